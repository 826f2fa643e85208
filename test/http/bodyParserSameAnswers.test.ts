import { expect } from 'chai';
import { useBodyApp } from '../support/bodyParserApp.js';
import { prng, type Prng } from '../support/prng.js';

/** Pieces that exercise every rule: BOMs, whitespace, escapes, __proto__ spellings, broken UTF-8, deep values. */
const PIECES: ReadonlyArray<string | Buffer> = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"a"',
  '"__proto__"',
  '"\\u005f_proto__"',
  '"__pr\\u006Fto__"',
  '"constructor"',
  '"prototype"',
  ' ',
  '\t',
  '\r\n',
  '\f',
  '\u00a0',
  '1',
  '-0.5e3',
  'null',
  'true',
  '"é€😀"',
  '"\\ud800"',
  '"\\"',
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from([0xff]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf0, 0x9f]),
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  ']]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
];

/** Mostly well-formed JSON (so the checks after JSON.parse are reached), sometimes broken by a random piece. */
function value(r: Prng, depth: number): string {
  const roll = r.int(depth > 40 ? 3 : 6);
  if (roll === 0) return r.pick(['1', 'null', '"x"', '"__proto__"', 'true']);
  if (roll === 1) return `"${r.pick(['', 'a', '\\u005f', 'é'])}"`;
  if (roll === 2) return String(r.int(1000));
  if (roll === 3) return `[${value(r, depth + 1)}${r.chance(0.5) ? `,${value(r, depth + 1)}` : ''}]`;
  const key = r.pick(['"a"', '"__proto__"', '"\\u005F\\u005fproto__"', '"constructor"', '"b"']);
  return `{${key}${r.pick([':', ' : '])}${value(r, depth + 1)}}`;
}

function body(r: Prng): Buffer {
  const parts: Array<string | Buffer> = [];
  if (r.chance(0.2)) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  if (r.chance(0.3)) parts.push(r.pick([' ', '\n', '\t ', '\f']));
  parts.push(r.chance(0.5) ? `{"k":${value(r, 0)}}` : `[${value(r, 0)}]`);
  for (let n = r.int(3); n > 0; n--) parts.splice(r.int(parts.length + 1), 0, r.pick(PIECES));
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

describe('bodyParser: our reader and koa-body answer alike', () => {
  const app = useBodyApp('2kb');

  for (const seed of [1, 2, 3, 4]) {
    it(`answers 150 generated bodies the same way (seed ${seed})`, async () => {
      const r = prng(seed);
      const outcomes = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const b = body(r);
        // Half of them chunked, cut anywhere (inside a BOM or a UTF-8 sequence too).
        const cut = r.chance(0.5) ? r.int(b.length + 1) : -1;
        const upload = (type: string) => ({
          headers: { 'content-type': type },
          ...(cut < 0 ? { body: b } : { chunks: [b.subarray(0, cut), b.subarray(cut)] }),
        });
        const ours = await app.send(upload('application/json'));
        const theirs = await app.send(upload('application/json-patch+json'));
        expect(ours, `body ${JSON.stringify(b.toString('latin1'))}`).to.deep.equal(theirs);
        outcomes.add(String(ours.body.code ?? 'parsed'));
      }
      // The generator reaches the interesting answers, or the comparison proves little.
      expect([...outcomes]).to.include.members(['parsed', 'invalid_json']);
    });
  }
});
