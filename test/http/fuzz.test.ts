import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { ROUTE_POLICIES, type RoutePolicy } from '../../src/http/routePolicy.js';
import { prng } from '../support/prng.js';
import { hostileBody, hostileQuery, PARAMS, TEMPLATES, useFuzzGateway, VALID_GHOSTS } from './fuzzSupport.js';

/**
 * Thousands of hostile requests across every route in the policy table: deep nesting, huge
 * arrays, wrong types, invalid UTF-8, prototype-pollution keys, junk headers, queries and path
 * parameters, with every kind of credential. Expected: never a 5xx, the gateway keeps serving,
 * nothing is stored. Every generated body breaks at least one required field, so none is valid.
 * Reproduce a failure with FUZZ_SEED=<seed printed in the assertion>.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed1234);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);

describe('fuzz: hostile requests across every route', function () {
  this.timeout(180_000);
  const fz = useFuzzGateway();
  let userToken: string;

  before(async () => {
    userToken = (await fz.gw.issueToken('fuzzer')).token;
  });

  const send = (method: string, path: string, headers: Record<string, string>, payload: Buffer | undefined) =>
    new Promise<{ status: number; text: string } | 'unsendable'>((resolve, reject) => {
      const url = new URL(fz.gw.url);
      let req;
      try {
        req = httpRequest({
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers,
          setHost: !('host' in headers),
        });
      } catch {
        resolve('unsendable');
        return;
      }
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  const hostile = `answers ${REQUESTS} generated hostile requests without a 5xx, stores nothing, and keeps serving`;
  it(`${hostile} (seed ${SEED})`, async () => {
    const gw = fz.gw;
    const r = prng(SEED);
    const head = await gw.store.headPosition();
    const statuses = new Map<number, number>();
    const credentials = (p: RoutePolicy, known: boolean): string | undefined => {
      const choices = ['none', 'garbage', 'latin1', 'long'];
      if (known) choices.push('user', 'admin', 'admin');
      switch (r.pick(choices)) {
        case 'garbage':
          return r.pick([
            'Bearer',
            'Bearer  ',
            'Basic YWRtaW46YWRtaW4=',
            `Bearer ${userToken}${userToken}`,
            'Bearer mcpu_' + '0'.repeat(32) + '_' + 'A'.repeat(43),
          ]);
        case 'latin1':
          return 'Bearer \u00ff\u00fe\u00e9';
        case 'long':
          return 'Bearer ' + 'x'.repeat(r.pick([513, 20_000]));
        case 'user':
          return `Bearer ${userToken}`;
        case 'admin':
          return `Bearer ${gw.adminToken}`;
        default:
          return p.access === 'public' ? 'Bearer whatever' : undefined;
      }
    };

    const one = async (i: number): Promise<void> => {
      const p = r.pick(ROUTE_POLICIES);
      const key = `${p.method} ${p.path}`;
      const known = key in TEMPLATES;
      // A valid-looking but unknown name is safe everywhere except where deleting it records an event.
      const params = p.path === '/users/:username' ? PARAMS : [...PARAMS, ...VALID_GHOSTS];
      const path = p.path.replace(/:\w+/g, () => r.pick(params)) + hostileQuery(r);
      const headers: Record<string, string> = {};
      const auth = credentials(p, known);
      if (auth !== undefined) headers.authorization = auth;
      if (r.chance(0.8))
        headers['content-type'] = r.pick([
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
        ]);
      if (r.chance(0.1)) headers.origin = r.pick(['https://evil.example', 'null', 'file://']);
      if (r.chance(0.05)) headers.host = r.pick(['evil.example', '127.0.0.1:1', '[::1]:99999']);
      if (r.chance(0.05)) headers['x-forwarded-for'] = '127.0.0.1, ' + 'x'.repeat(1000);
      const method = r.chance(0.03) ? r.pick(['PATCH', 'OPTIONS', 'HEAD', 'TRACE']) : p.method;
      const res = await send(
        method,
        path,
        headers,
        method === 'GET' && r.chance(0.7) ? undefined : hostileBody(r, key),
      );
      if (res === 'unsendable') return;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(
        res.status,
        `request #${i} (seed ${SEED}): ${method} ${path.slice(0, 200)} → ${res.text.slice(0, 300)}`,
      ).to.be.below(500);
    };

    for (let i = 0; i < REQUESTS; i += 8) await Promise.all(Array.from({ length: 8 }, (_, j) => one(i + j)));

    expect(await gw.store.headPosition(), 'nothing was stored').to.equal(head);
    expect(gw.logs.filter((l) => l.includes('"request failed"'))).to.deep.equal([]);
    expect((await gw.request('GET', '/healthz')).status).to.equal(200);
    const call = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'fz',
      methodName: 'echo',
      args: { message: 'still here' },
    });
    expect((call.body.data as { content: Array<{ text: string }> }).content[0]!.text).to.equal('still here');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(({} as Record<string, unknown>).isAdmin).to.equal(undefined);
    // The mix really exercised every layer: auth failures, denials, validation, and successes.
    for (const status of [200, 400, 401, 403, 404])
      expect(statuses.get(status) ?? 0, `status ${status} seen`).to.be.greaterThan(0);
  });
});
