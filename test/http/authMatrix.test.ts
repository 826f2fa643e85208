import { expect } from 'chai';
import { ROUTE_POLICIES, type RoutePolicy } from '../../src/http/routePolicy.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/**
 * Generated from the route-policy table, so a route added there is covered here without edits:
 * no token, malformed/unknown/revoked tokens, a user token on admin routes, user A naming user B,
 * a user acting as itself, and the admin token.
 */
const DENIAL_KEYS = ['code', 'error', 'success'];

describe('authorization matrix (every route × every kind of caller)', () => {
  let gw: TestGateway;
  let alice: string;
  let revoked: string;

  before(async () => {
    gw = await startTestGateway();
    alice = (await gw.issueToken('alice')).token;
    await gw.issueToken('bob');
    const old = await gw.issueToken('alice', { label: 'to revoke' });
    await gw.request('DELETE', `/auth/tokens/${old.tokenId}`);
    revoked = old.token;
  });
  after(async () => {
    await gw.close();
  });
  beforeEach(async () => {
    // Destructive admin calls earlier in the table must not turn later checks into 404s.
    if ((await gw.request('GET', '/mcp/servers/fx')).status === 404) {
      await gw.request('POST', '/mcp/servers', fixtureServer('fx', { enabled: false }));
    }
    await gw.request('POST', '/secrets/set', {
      username: 'bob',
      serverName: 'fx',
      secretName: 'BOB_KEY',
      secretValue: 'bob-matrix-secret',
    });
  });

  /** A concrete URL for a route pattern; params get values that exist where that matters. */
  const concrete = async (p: RoutePolicy): Promise<string> => {
    let path = p.path;
    for (const [, name] of p.path.matchAll(/:(\w+)/g)) {
      let value = 'matrix-x';
      if (name === 'name') value = 'fx';
      if (name === 'username') value = 'matrix-victim';
      if (name === 'id') value = (await gw.issueToken('matrix-victim')).tokenId;
      path = path.replace(`:${name}`, value);
    }
    return path;
  };
  const send = (p: RoutePolicy, path: string, token: string | null, actingFor?: string, extraQuery = '') => {
    const where = p.actsFor;
    const body =
      p.method === 'GET' || p.method === 'DELETE'
        ? undefined
        : where?.in === 'body' && actingFor
          ? { [where.field]: actingFor }
          : {};
    const query = where?.in === 'query' && actingFor ? `?${where.field}=${actingFor}` : '';
    const sep = query ? '&' : '?';
    return gw.request(p.method, path + query + (extraQuery ? sep + extraQuery : ''), body, { token });
  };
  const expectDenied = (
    res: { status: number; body: Record<string, unknown> },
    status: number,
    what: string,
  ): void => {
    expect(res.status, what).to.equal(status);
    expect(Object.keys(res.body).sort(), `${what}: a denial carries no data`).to.deep.equal(DENIAL_KEYS);
  };
  const expectAllowed = (res: { status: number; text: string }, what: string): void => {
    expect(res.status, `${what}: ${res.text}`).to.not.be.oneOf([401, 403]);
    expect(res.status, `${what}: ${res.text}`).to.be.below(500);
  };

  for (const p of ROUTE_POLICIES) {
    it(`${p.method} ${p.path} (${p.access})`, async () => {
      const path = await concrete(p);
      if (p.access === 'public') {
        expectAllowed(await send(p, path, null), 'no token on a public route');
        expectAllowed(await send(p, path, 'garbage'), 'a bad token on a public route is ignored');
        return;
      }
      const none = await send(p, path, null);
      expectDenied(none, 401, 'no token');
      expect(none.body.error).to.equal('Unauthorized');
      for (const bad of [
        'garbage',
        `mcpu_${'0'.repeat(32)}_${'A'.repeat(43)}`,
        `${alice}x`,
        revoked,
        alice.toUpperCase(),
      ]) {
        expectDenied(await send(p, path, bad), 401, 'a wrong token');
      }
      if (p.access === 'admin') {
        expectDenied(await send(p, path, alice), 403, 'a user token on an admin route');
      } else {
        if (p.actsFor) expectDenied(await send(p, path, alice, 'bob'), 403, 'user alice acting for bob');
        expectAllowed(await send(p, path, alice), 'a user acting as itself');
        expectAllowed(await send(p, path, alice, 'alice'), 'a user naming itself');
      }
      if (p.access === 'user-or-link') {
        const link = await gw.request('POST', '/auth/google/link', {}, { token: alice });
        // Without a Google server there is no link to get; a forged one must not pass either.
        expect(link.status).to.be.oneOf([200, 404]);
        expectDenied(await send(p, path, null, undefined, 'link=forged.link'), 401, 'a forged login link');
      }
      expectAllowed(await send(p, path, gw.adminToken, 'bob'), 'the admin token acting for bob');
    });
  }

  it("gives a user token its own secrets in tool calls, never another user's", async () => {
    await gw.request('PUT', '/mcp/servers/fx/enable');
    await waitForStatus(gw, 'fx', ['connected']);
    await gw.request(
      'POST',
      '/secrets/set',
      { serverName: 'fx', secretName: 'ALICE_KEY', secretValue: 'alice-matrix-secret' },
      { token: alice },
    );
    const echo = async (name: string): Promise<string> => {
      const res = await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'fx', methodName: 'echo_secret', args: { name } },
        { token: alice },
      );
      expect(res.status, res.text).to.equal(200);
      return (res.body.data as { content: Array<{ text: string }> }).content[0]!.text;
    };
    expect(await echo('ALICE_KEY')).to.equal('alice-matrix-secret');
    expect(await echo('BOB_KEY')).to.equal('undefined');
  });
});
