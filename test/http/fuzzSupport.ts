import type { Prng } from '../support/prng.js';
import { useTestGateway, type GatewayHook } from '../support/gatewayHooks.js';
import { fixtureServer, waitForStatus } from '../support/testGateway.js';

/**
 * What the fuzz tests send: hostile bodies, queries and path parameters for the routes of the policy table,
 * and the gateway they send it to.
 */

/** A gateway (64 kB body limit) with the fixture server "fz" connected, for the calling describe block. */
export function useFuzzGateway(): GatewayHook {
  const hook = useTestGateway({ bodyLimit: '64kb' });
  before(async () => {
    await hook.gw.request('POST', '/mcp/servers', fixtureServer('fz'));
    await waitForStatus(hook.gw, 'fz', ['connected']);
  });
  return hook;
}

/**
 * Valid bodies per route; the fuzzer always breaks one of the `required` fields. Routes not listed get only
 * unauthenticated junk.
 */
export const TEMPLATES: Record<string, { body: Record<string, unknown>; required: string[] }> = {
  'POST /mcp/servers': {
    body: { name: 'fuzz-new', command: 'node', args: ['x'], env: { A: 'b' } },
    required: ['name', 'command'],
  },
  'PUT /mcp/servers/:name': {
    body: { command: 'node', args: ['x'], enabled: true },
    required: ['command', 'args', 'enabled'],
  },
  'PUT /mcp/servers/:name/enable': { body: {}, required: [] },
  'PUT /mcp/servers/:name/disable': { body: {}, required: [] },
  'DELETE /mcp/servers/:name': { body: {}, required: [] },
  'POST /mcp/tool/call': {
    body: { serverName: 'fz', methodName: 'echo', args: { message: 'hi' } },
    required: ['serverName', 'methodName', 'args'],
  },
  'POST /secrets/set': {
    body: { serverName: 'fz', secretName: 'K', secretValue: 'fuzz-value' },
    required: ['serverName', 'secretName', 'secretValue'],
  },
  'POST /secrets/delete': {
    body: { serverName: 'fz', secretName: 'K' },
    required: ['serverName', 'secretName'],
  },
  'POST /auth/tokens': { body: { username: 'fuzzer' }, required: ['username'] },
  'DELETE /auth/tokens/:id': { body: {}, required: [] },
  'DELETE /users/:username': { body: {}, required: [] },
  'POST /auth/google/link': { body: { serverName: 'fz' }, required: [] },
  'GET /auth/google/login': { body: {}, required: [] },
  'GET /auth/google/callback': { body: {}, required: [] },
  'GET /healthz': { body: {}, required: [] },
  'GET /mcp/servers': { body: {}, required: [] },
  'GET /mcp/servers/:name': { body: {}, required: [] },
  'GET /mcp/tools': { body: {}, required: [] },
  'GET /auth/me': { body: {}, required: [] },
  'GET /auth/tokens': { body: {}, required: [] },
};

/** Path parameter values that can never name something that exists (so admin calls store nothing). */
export const PARAMS = [
  '',
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%ff%fe',
  '%E2%80%AE',
  'a'.repeat(300),
  '__proto__',
  '%20fz',
  'fz%2F..',
  '%F0%9F%98%80',
  '<script>',
  '%',
  '%zz',
  '.',
  '..',
];
export const VALID_GHOSTS = ['ghost-server', 'constructor', 'toString', 'f'.repeat(32), '0'.repeat(33)];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '\u0000',
  '',
  'a'.repeat(1000),
];

function hostileValue(r: Prng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 8 : 11)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14]);
    case 3:
      return r.pick([
        '',
        ' ',
        '\u0000',
        '\uD800',
        '\uFFFF',
        '%s%n',
        '${7*7}',
        '{{7*7}}',
        '\u202E',
        'x'.repeat(r.int(5000)),
      ]);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return Array.from({ length: r.int(2000) }, () => r.int(10));
    case 7:
      return { [r.pick(HOSTILE_KEYS)]: { polluted: true } };
    case 8:
      return [hostileValue(r, depth + 1), hostileValue(r, depth + 1)];
    case 9:
      return { [r.pick(HOSTILE_KEYS)]: hostileValue(r, depth + 1), x: hostileValue(r, depth + 1) };
    default:
      return 'fz';
  }
}

/** A value of a different JSON type than `original` (or a hostile structure). */
function wrongType(r: Prng, original: unknown): unknown {
  for (;;) {
    const v = hostileValue(r);
    if (typeof v !== typeof original || Array.isArray(v) !== Array.isArray(original) || v === null) return v;
  }
}

/** A body for route `key`: none, malformed JSON, random bytes, or its template with a required field broken. */
export function hostileBody(r: Prng, key: string): Buffer | undefined {
  const template = TEMPLATES[key];
  if (r.chance(0.15)) return undefined;
  switch (r.int(6)) {
    case 0: {
      const n = r.pick([100, 5000, 40_000]);
      return Buffer.from(
        r.chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n),
      );
    }
    case 1:
      return Buffer.from(
        r.pick([
          '',
          'null',
          '1e309',
          '"str"',
          '[]',
          'true',
          '{',
          '{"a":1,}',
          "{'a':1}",
          '{"a":NaN}',
          '\u0000',
          'x'.repeat(70_000),
        ]),
      );
    case 2:
      return Buffer.from(Array.from({ length: r.int(500) }, () => r.int(256)));
    default: {
      const b: Record<string, unknown> = JSON.parse(JSON.stringify(template?.body ?? {})) as Record<
        string,
        unknown
      >;
      const required = template?.required ?? [];
      if (required.length > 0) {
        const field = r.pick(required);
        if (r.chance(0.3)) delete b[field];
        else b[field] = wrongType(r, b[field]);
      }
      for (let i = r.int(4); i > 0; i--) b[r.pick(HOSTILE_KEYS)] = hostileValue(r);
      let text = JSON.stringify(b);
      if (r.chance(0.2))
        text = `{"__proto__":${JSON.stringify({ isAdmin: true, username: 'alice' })},${text.slice(1)}`;
      const bytes = Buffer.from(text);
      if (r.chance(0.25)) {
        const at = r.int(bytes.length);
        return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(at)]);
      }
      return bytes;
    }
  }
}

/** A query string of hostile parameters, or none. */
export function hostileQuery(r: Prng): string {
  if (r.chance(0.4)) return '';
  const parts = Array.from({ length: 1 + r.int(4) }, () =>
    r.pick([
      'username=__proto__',
      'user_id=a&user_id=b',
      'user_id[]=x',
      'username=%ff',
      '__proto__[admin]=1',
      'constructor[prototype][x]=1',
      'link=a.b',
      'link=' + 'x'.repeat(2000),
      'state=' + 'A'.repeat(43),
      'code=%00',
      'server=%2e%2e',
      '%zz=1',
      'a=' + 'b'.repeat(5000),
      'username=bob',
    ]),
  );
  return '?' + parts.join('&');
}
