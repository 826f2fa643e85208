import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import type { EventStore } from '../../src/events/eventStore.js';
import { startAuthServer, TOKEN_CANARY, type TestAuthServer } from '../fixtures/oauthServer.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { waitFor } from '../runtime/processTestUtils.js';
import { call, ManualClock, remoteServer, type CallOutcome } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const STATIC_CANARY = `${TOKEN_CANARY}-STATIC-HEADER`;
const MINUTE = 60_000;

/** The body a client posts after the OAuth flow, for a fresh grant of `user`. */
function grantBody(as: TestAuthServer, user: string, username?: string): Record<string, unknown> {
  const grant = as.issue(user);
  return {
    ...(username ? { username } : {}),
    tokenType: 'Bearer',
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresIn: grant.expiresIn,
    scopes: ['mcp'],
    clientId: as.clientId,
    clientSecret: as.clientSecret,
    redirectUri: 'https://client.example.com/oauth/callback',
    codeVerifier: `${TOKEN_CANARY}-PKCE-verifier-0123456789`,
  };
}

describe('remote MCP servers with OAuth', () => {
  const clock = new ManualClock();
  let as: TestAuthServer;
  let up: RemoteMcpServer;
  let gw: TestGateway;
  const responses: string[] = [];
  const track = (out: CallOutcome): CallOutcome => {
    responses.push(out.text);
    return out;
  };

  beforeEach(async () => {
    as = await startAuthServer({ clock: clock.now, accessTokenSeconds: 60 });
    up = await startRemoteMcpServer({
      mode: 'streamable',
      auth: { user: (t) => as.userOf(t), authorizationServer: as.url },
    });
    gw = await startTestGateway({ clock: clock.now });
    const res = await gw.request(
      'POST',
      '/mcp/servers',
      remoteServer('secure', up.url, {
        headers: { Authorization: `Bearer ${STATIC_CANARY}`, 'X-Trace': 'on' },
      }),
    );
    responses.push(res.text);
    // Without tokens the static header is all there is, and the server refuses it.
    const refused = await waitForStatus(gw, 'secure', ['error']);
    expect(String(refused.statusMessage)).to.contain('re-run the OAuth flow');
    const stored = await gw.request('POST', '/mcp/servers/secure/oauth', grantBody(as, 'dora'));
    responses.push(stored.text);
    expect(stored.status, stored.text).to.equal(200);
    await waitForStatus(gw, 'secure', ['connected']);
  });

  afterEach(async () => {
    // Canary sweep: no token, client secret, PKCE verifier or static credential in any response, log line or event.
    const eventLog = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    await gw.close();
    await up.close();
    await as.close();
    for (const text of responses) expect(text).to.not.contain(TOKEN_CANARY);
    for (const line of gw.logs) expect(line).to.not.contain(TOKEN_CANARY);
    expect(eventLog).to.contain('OAuthTokensStored').and.not.contain(TOKEN_CANARY);
    responses.length = 0;
  });

  it('stores the grant sealed and answers with the server, not the tokens', async () => {
    const res = await gw.request('POST', '/mcp/servers/secure/oauth', grantBody(as, 'dora'));
    responses.push(res.text);
    expect(res.body.success).to.equal(true);
    expect((res.body.server as Record<string, unknown>).name).to.equal('secure');
    const eventLog = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    const stored = eventLog.split('\n').find((l) => l.includes('"OAuthTokensStored"')) as string;
    const data = (JSON.parse(stored.slice(stored.indexOf(' ') + 1)) as { data: Record<string, unknown> })
      .data;
    for (const field of ['accessToken', 'refreshToken', 'clientSecret', 'codeVerifier'])
      expect(data[field]).to.have.keys(['keyVersion', 'dataKeyId', 'iv', 'tag', 'data']);
    expect(data).to.include({ username: 'default', clientId: as.clientId, source: 'api' });
  });

  it('sends the OAuth token instead of a static Authorization header, keeping the other headers', async () => {
    const out = track(await call(gw, 'secure', 'whoami'));
    expect(out.output, out.text).to.equal('dora');
    const authorized = up.requests.filter((r) => r.status !== 401);
    expect(authorized.length).to.be.greaterThan(0);
    for (const r of authorized) {
      expect(r.bearer).to.match(/^CANARY-TOKEN-AT-/);
      expect(r.headers['x-trace']).to.equal('on');
    }
  });

  it('refreshes an expired access token before the call, persists it, and the call succeeds', async () => {
    clock.advance(2 * MINUTE);
    const out = track(await call(gw, 'secure', 'whoami'));
    expect(out.output, out.text).to.equal('dora');
    expect(as.tokenRequests).to.equal(1);
    const eventLog = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    expect(eventLog).to.contain('OAuthRefreshStarted').and.contain('"source":"refresh"');
    // The refreshed token is the one in use now: a second call needs no new token.
    track(await call(gw, 'secure', 'whoami'));
    expect(as.tokenRequests).to.equal(1);
  });

  it('makes exactly one token request for 50 concurrent calls with an expired token', async () => {
    as.tokenDelayMs = 100;
    clock.advance(2 * MINUTE);
    const outs = await Promise.all(
      Array.from({ length: 50 }, () => call(gw, 'secure', 'add', { a: 1, b: 2 })),
    );
    outs.forEach(track);
    expect(outs.map((o) => o.status)).to.deep.equal(Array.from({ length: 50 }, () => 200));
    expect(as.tokenRequests).to.equal(1);
    expect(as.invalidGrants).to.equal(0);
  });

  it('refreshes after a 401 on a token that has not expired yet, and retries once', async () => {
    as.revokeAccessTokens('dora');
    const out = track(await call(gw, 'secure', 'echo', { message: 'again' }));
    expect(out.output, out.text).to.equal('again');
    expect(as.tokenRequests).to.equal(1);
  });

  it('answers 401 reauth_required when the refresh token is revoked, until a new grant is stored', async () => {
    as.revokeRefreshTokens('dora');
    clock.advance(2 * MINUTE);
    const out = track(await call(gw, 'secure', 'whoami'));
    expect(out.status, out.text).to.equal(401);
    expect(out.body.code).to.equal('reauth_required');
    expect(String(out.body.error))
      .to.contain('re-run the OAuth flow')
      .and.contain('/mcp/servers/secure/oauth');
    // The dead grant is remembered: no second attempt with the refused refresh token.
    const again = track(await call(gw, 'secure', 'whoami'));
    expect(again.status).to.equal(401);
    expect(as.tokenRequests).to.equal(1);
    const blocked = (await gw.request('GET', '/mcp/servers/secure')).body.server as Record<string, unknown>;
    expect(blocked.status).to.equal('error');
    expect(String(blocked.statusMessage)).to.contain('re-run the OAuth flow');
    responses.push((await gw.request('POST', '/mcp/servers/secure/oauth', grantBody(as, 'dora'))).text);
    await waitForStatus(gw, 'secure', ['connected']);
    expect(track(await call(gw, 'secure', 'whoami')).output).to.equal('dora');
  });

  it('gives a user with their own tokens their own connection, and refuses a user without tokens', async () => {
    responses.push(
      (await gw.request('POST', '/mcp/servers/secure/oauth', grantBody(as, 'alice-at-idp', 'alice'))).text,
    );
    expect(track(await call(gw, 'secure', 'whoami', {}, 'alice')).output).to.equal('alice-at-idp');
    expect(track(await call(gw, 'secure', 'whoami')).output).to.equal('dora');
    const bob = track(await call(gw, 'secure', 'whoami', {}, 'bob'));
    expect(bob.status).to.equal(401);
    expect(bob.body).to.include({ code: 'reauth_required', username: 'bob' });
    const server = (await gw.request('GET', '/mcp/servers/secure')).body.server as Record<string, unknown>;
    expect(server.userConnections).to.equal(1);
    // Alice's own token expires: her connection refreshes with her refresh token only.
    clock.advance(2 * MINUTE);
    expect(track(await call(gw, 'secure', 'whoami', {}, 'alice')).output).to.equal('alice-at-idp');
    expect(as.tokenRequests).to.equal(1);
  });
});

describe('OAuth refresh with two gateway instances on one store', () => {
  const clock = new ManualClock();
  let as: TestAuthServer;
  let up: RemoteMcpServer;
  let store: EventStore;
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    as = await startAuthServer({ clock: clock.now, accessTokenSeconds: 60 });
    up = await startRemoteMcpServer({
      mode: 'streamable',
      auth: { user: (t) => as.userOf(t), authorizationServer: as.url },
    });
    store = createMemoryEventStore();
    a = await startTestGateway({ clock: clock.now, store });
    b = await startTestGateway({ clock: clock.now, store });
  });
  after(async () => {
    await a.close();
    await b.close();
    await store.close();
    await up.close();
    await as.close();
  });

  it('refreshes once: the instance that loses the claim uses the winner tokens, no invalid_grant', async () => {
    await a.request('POST', '/mcp/servers', remoteServer('shared', up.url));
    await waitFor(() => b.gateway.projector.readModels.servers.has('shared'), 'gateway b sees the server');
    await a.request('POST', '/mcp/servers/shared/oauth', grantBody(as, 'dora'));
    await waitForStatus(a, 'shared', ['connected']);
    await waitForStatus(b, 'shared', ['connected']);
    as.tokenDelayMs = 150;
    clock.advance(2 * MINUTE);
    const outs = await Promise.all([
      ...Array.from({ length: 20 }, () => call(a, 'shared', 'whoami')),
      ...Array.from({ length: 20 }, () => call(b, 'shared', 'whoami')),
    ]);
    expect(outs.map((o) => o.output)).to.deep.equal(Array.from({ length: 40 }, () => 'dora'));
    expect(as.invalidGrants).to.equal(0);
    expect(as.tokenRequests).to.equal(1);
    const events = JSON.stringify(await store.readAll(1));
    expect(events).to.not.contain(TOKEN_CANARY);
    expect(events.match(/"OAuthRefreshStarted"/g)).to.have.length(1);
  });
});

describe('a remote server only its users can authorize', () => {
  const clock = new ManualClock();
  let as: TestAuthServer;
  let up: RemoteMcpServer;
  let gw: TestGateway;
  before(async () => {
    as = await startAuthServer({ clock: clock.now });
    up = await startRemoteMcpServer({
      mode: 'streamable',
      auth: { user: (t) => as.userOf(t), authorizationServer: as.url },
    });
    gw = await startTestGateway({ clock: clock.now });
  });
  after(async () => {
    await gw.close();
    await up.close();
    await as.close();
  });

  it('serves a user with tokens over their own connection while the shared one waits for authorization', async () => {
    await gw.request('POST', '/mcp/servers', remoteServer('per-user', up.url));
    const waiting = await waitForStatus(gw, 'per-user', ['error']);
    expect(String(waiting.statusMessage)).to.contain('no OAuth tokens are stored');
    const anonymous = await call(gw, 'per-user', 'whoami');
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.code).to.equal('reauth_required');

    await gw.request('POST', '/mcp/servers/per-user/oauth', grantBody(as, 'alice-at-idp', 'alice'));
    const out = await call(gw, 'per-user', 'whoami', {}, 'alice');
    expect(out.output, out.text).to.equal('alice-at-idp');
    const tools = (await gw.request('GET', '/mcp/tools')).body.tools as Array<
      Record<string, Array<{ name: string }>>
    >;
    expect(tools.find((t) => 'per-user' in t)?.['per-user']?.map((t) => t.name)).to.include('whoami');
  });
});
