import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { useBodyApp, type Upload } from '../support/bodyParserApp.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const bytes = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const nestedValue = (n: number): unknown => (n === 0 ? [] : [nestedValue(n - 1)]);
const MESSAGE = 'Request body is not valid JSON (a JSON object is expected)';

interface Rule {
  readonly what: string;
  readonly body: Buffer;
  /** The parsed body, or the refusal's status and code. */
  readonly expect: { readonly body: unknown } | { readonly status: number; readonly code: string };
}

const RULES: Rule[] = [
  {
    what: 'an object',
    body: bytes('{"a":1,"b":[true,null,"x"]}'),
    expect: { body: { a: 1, b: [true, null, 'x'] } },
  },
  { what: 'an array', body: bytes('[1,{"a":2}]'), expect: { body: [1, { a: 2 }] } },
  { what: 'an empty body, as {}', body: bytes(''), expect: { body: {} } },
  { what: 'RFC whitespace around the value', body: bytes(' \t\r\n{"a":1} \n'), expect: { body: { a: 1 } } },
  { what: 'the last of duplicate keys', body: bytes('{"a":1,"a":2}'), expect: { body: { a: 2 } } },
  { what: 'UTF-8 text', body: bytes('{"a":"é€😀"}'), expect: { body: { a: 'é€😀' } } },
  {
    what: 'invalid UTF-8 as replacement characters',
    body: bytes('{"a":"', Buffer.from([0xff, 0xc3]), '"}'),
    expect: { body: { a: '\ufffd\ufffd' } },
  },
  { what: 'a UTF-8 BOM before the value, dropped', body: bytes(BOM, '{"a":1}'), expect: { body: { a: 1 } } },
  { what: 'a BOM alone, as {}', body: BOM, expect: { body: {} } },
  {
    what: 'a second BOM, refused',
    body: bytes(BOM, BOM, '{}'),
    expect: { status: 400, code: 'invalid_json' },
  },
  { what: 'whitespace only, refused', body: bytes('   '), expect: { status: 400, code: 'invalid_json' } },
  {
    what: 'a form feed before the value',
    body: bytes('\f{}'),
    expect: { status: 400, code: 'invalid_json' },
  },
  { what: 'a JSON string', body: bytes('"text"'), expect: { status: 400, code: 'invalid_json' } },
  { what: 'a JSON number', body: bytes('42'), expect: { status: 400, code: 'invalid_json' } },
  { what: 'JSON null', body: bytes('null'), expect: { status: 400, code: 'invalid_json' } },
  {
    what: 'broken JSON',
    body: bytes('{"password":"hunter2"'),
    expect: { status: 400, code: 'invalid_json' },
  },
  { what: 'trailing garbage', body: bytes('{} x'), expect: { status: 400, code: 'invalid_json' } },
  {
    what: 'a __proto__ key',
    body: bytes('{"__proto__":{"polluted":1}}'),
    expect: { status: 400, code: 'invalid_json' },
  },
  {
    what: 'a nested __proto__ key',
    body: bytes('[{"a":[{"__proto__":1}]}]'),
    expect: { status: 400, code: 'invalid_json' },
  },
  {
    what: 'an escaped __proto__ key',
    body: bytes('{"a":{"\\u005f_proto\\u005F_" :null}}'),
    expect: { status: 400, code: 'invalid_json' },
  },
  { what: '__proto__ as a value', body: bytes('{"a":"__proto__"}'), expect: { body: { a: '__proto__' } } },
  {
    what: 'constructor and prototype keys (bourne only refuses __proto__)',
    body: bytes('{"constructor":{"prototype":{"polluted":1}}}'),
    expect: { body: { constructor: { prototype: { polluted: 1 } } } },
  },
  { what: `${64} levels of nesting`, body: bytes(nested(64)), expect: { body: nestedValue(63) } },
  {
    what: `${65} levels of nesting, refused`,
    body: bytes(nested(65)),
    expect: { status: 400, code: 'invalid_request' },
  },
  {
    what: 'very deep nesting, refused',
    body: bytes(nested(5_000)),
    expect: { status: 400, code: 'invalid_request' },
  },
];

/** The same rules hold whichever reader takes the request: ours (plain JSON) or koa-body (everything else). */
const TRANSPORTS: Array<{ readonly name: string; readonly upload: (body: Buffer) => Upload }> = [
  { name: 'application/json', upload: (body) => ({ headers: { 'content-type': 'application/json' }, body }) },
  {
    name: 'application/json; charset=utf-8, chunked in 2-byte pieces',
    upload: (body) => ({
      headers: { 'content-type': 'application/json; charset=utf-8' },
      chunks: Array.from({ length: Math.ceil(body.length / 2) }, (_, i) => body.subarray(2 * i, 2 * i + 2)),
    }),
  },
  {
    name: 'PUT application/json',
    upload: (body) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body }),
  },
  {
    name: 'PATCH application/json; charset="UTF-8"',
    upload: (body) => ({
      method: 'PATCH',
      headers: { 'content-type': 'application/json; charset="UTF-8"' },
      body,
    }),
  },
  {
    name: 'application/vnd.api+json (koa-body)',
    upload: (body) => ({ headers: { 'content-type': 'application/vnd.api+json' }, body }),
  },
  {
    name: 'gzip application/json (koa-body)',
    upload: (body) => ({
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(body),
    }),
  },
];

describe('bodyParser: JSON rules', () => {
  const app = useBodyApp('64kb');

  for (const transport of TRANSPORTS) {
    describe(`over ${transport.name}`, () => {
      for (const rule of RULES) {
        it(`handles ${rule.what}`, async () => {
          const res = await app.send(transport.upload(rule.body));
          if ('body' in rule.expect) {
            expect(res.status, JSON.stringify(res.body)).to.equal(200);
            expect(res.body).to.deep.equal({ parsed: true, body: rule.expect.body });
          } else {
            expect(res.status).to.equal(rule.expect.status);
            expect(res.body.code).to.equal(rule.expect.code);
            if (rule.expect.code === 'invalid_json') expect(res.body.error).to.equal(MESSAGE);
            expect(JSON.stringify(res.body)).not.to.contain('hunter2');
          }
        });
      }
    });
  }

  it('leaves no prototype changed by a refused __proto__ body', async () => {
    await app.send(TRANSPORTS[0]!.upload(bytes('{"__proto__":{"polluted":1}}')));
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
