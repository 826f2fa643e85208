import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGoogle, type FakeGoogle } from '../support/fakeGoogle.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const GOOGLE_FIXTURE = fileURLToPath(new URL('../fixtures/googleFixtureServer.js', import.meta.url));
const TTL_MS = 60_000;

/** The path and query of an absolute URL on the gateway, for gw.request. */
const local = (gw: TestGateway, url: string): string => {
  expect(url.startsWith(gw.url), url).to.equal(true);
  return url.slice(gw.url.length);
};

describe('Google OAuth2 flow (MCP_AUTH_TYPE=OAUTH2_GOOGLE)', () => {
  let gw: TestGateway;
  let google: FakeGoogle;
  let credentials: Record<string, unknown>;
  let skewMs = 0;
  const secretFile = join(tmpdir(), `google-fixture-${randomUUID()}.secret`);
  const tokenFor: Record<string, string> = {};

  before(async () => {
    google = await startFakeGoogle();
    credentials = {
      web: {
        client_id: google.clientId,
        client_secret: google.clientSecret,
        redirect_uris: ['set-below'],
        token_uri: `${google.url}/token`,
      },
    };
    await writeFile(secretFile, google.clientSecret, { mode: 0o600 });
    gw = await startTestGateway({
      security: { google: { credentials, loginTtlMs: TTL_MS } },
      clock: () => new Date(Date.now() + skewMs),
    });
    const res = await gw.request('POST', '/mcp/servers', {
      name: 'gmail',
      command: process.execPath,
      args: [GOOGLE_FIXTURE],
      env: {
        MCP_AUTH_TYPE: 'OAUTH2_GOOGLE',
        FIXTURE_GOOGLE_AUTHORIZE_URL: `${google.url}/authorize`,
        FIXTURE_GOOGLE_TOKEN_URL: `${google.url}/token`,
        FIXTURE_CLIENT_ID: google.clientId,
        FIXTURE_CLIENT_SECRET_FILE: secretFile,
        FIXTURE_REDIRECT_URI: `${gw.url}/auth/google/callback`,
      },
    });
    expect(res.status, res.text).to.equal(200);
    await waitForStatus(gw, 'gmail', ['connected']);
    for (const user of ['alice', 'bob', 'carol']) tokenFor[user] = (await gw.issueToken(user)).token;
  });
  after(async () => {
    for (const value of [...google.issued, google.clientSecret]) suiteCanaries.add(value, gw.dataDir);
    await gw.close();
    await google.close();
    await rm(secretFile, { force: true });
  });
  afterEach(() => {
    skewMs = 0;
  });

  /** A login in progress, as the browser holds it: Google's consent URL and the gateway's cookie. */
  interface Flow {
    authorize: URL;
    cookie: string;
  }
  const flowFrom = (res: { status: number; text: string; headers: Headers }): Flow => {
    expect(res.status, res.text).to.equal(302);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).to.match(/^mcp_google_login_[0-9a-f]{16}=/);
    return { authorize: new URL(res.headers.get('location') as string), cookie };
  };
  /** Starts a login as `user` (with that user's token). */
  const startLogin = async (user: string): Promise<Flow> =>
    flowFrom(
      await gw.request('GET', '/auth/google/login?server=gmail', undefined, {
        token: tokenFor[user] as string,
      }),
    );
  /** The browser at Google: the user clicks "Allow"; returns where Google sends them back. */
  const consent = async (flow: Flow): Promise<{ back: string; cookie: string }> => {
    const res = await fetch(flow.authorize, { redirect: 'manual' });
    expect(res.status).to.equal(302);
    return { back: local(gw, res.headers.get('location') as string), cookie: flow.cookie };
  };
  /** The browser back at the gateway's callback, with (or without) the cookie from the login. */
  const callback = (at: { back: string; cookie?: string }) =>
    gw.request('GET', at.back, undefined, { token: null, headers: at.cookie ? { cookie: at.cookie } : {} });
  const listMessages = (user: string) =>
    gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: 'gmail', methodName: 'list_messages', args: { query: 'is:unread' } },
      { token: tokenFor[user] as string },
    );

  it('runs login → consent → callback → tool call end to end, injecting the hidden parameters', async () => {
    const flow = await startLogin('alice');
    const { authorize } = flow;
    expect(`${authorize.origin}${authorize.pathname}`).to.equal(`${google.url}/authorize`);
    const state = authorize.searchParams.get('state') as string;
    // The tool put a JSON {userId} state in the URL; the gateway replaced it with its own random one.
    expect(state).to.match(/^[A-Za-z0-9_-]{43}$/);

    const done = await callback(await consent(flow));
    expect(done.status, done.text).to.equal(200);
    expect(done.headers.get('content-type')).to.contain('text/html');
    expect(done.text).to.contain('Google account connected');

    const call = await listMessages('alice');
    expect(call.status, call.text).to.equal(200);
    const received = JSON.parse(
      (call.body.data as { content: Array<{ text: string }> }).content[0]!.text,
    ) as Record<string, unknown>;
    expect(received.query).to.equal('is:unread');
    const userCredentials = received.userCredentials as Record<string, unknown>;
    expect(google.issued).to.include(userCredentials.access_token);
    expect(google.issued).to.include(userCredentials.refresh_token);
    expect(received.gauthFileContent).to.deep.equal(credentials);
  });

  it('refuses a forged, a replayed and an expired state with 400 and stores nothing for them', async () => {
    const forged = await gw.request(
      'GET',
      `/auth/google/callback?code=4/x&state=${'A'.repeat(43)}`,
      undefined,
      { token: null },
    );
    expect(forged.status).to.equal(400);
    expect(forged.body.code).to.equal('invalid_oauth_state');
    const junk = await gw.request(
      'GET',
      `/auth/google/callback?code=4/x&state=${encodeURIComponent('{"userId":"alice"}')}`,
      undefined,
      { token: null },
    );
    expect(junk.status).to.equal(400);
    expect(junk.body.code).to.equal('invalid_oauth_state');

    const back = await consent(await startLogin('carol'));
    expect((await callback(back)).status).to.equal(200);
    const replay = await callback(back);
    expect(replay.status).to.equal(400);
    expect(String(replay.body.error)).to.contain('already used');

    const late = await consent(await startLogin('bob'));
    skewMs = TTL_MS + 1000;
    const expired = await callback(late);
    expect(expired.status).to.equal(400);
    expect(String(expired.body.error)).to.contain('expired');
    skewMs = 0;
    expect((await listMessages('bob')).body.code).to.equal('reauth_required');
  });

  /** Opens a link in a browser without a token: the confirmation page, answered with the link user's token. */
  const confirmed = async (
    linkUrl: string,
    token: string,
  ): Promise<{ status: number; text: string; headers: Headers }> => {
    const url = new URL(linkUrl);
    const page = await gw.request('GET', local(gw, linkUrl), undefined, { token: null });
    expect(page.status, page.text).to.equal(200);
    const confirm = await fetch(`${gw.url}/auth/link/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        next: 'google',
        link: String(url.searchParams.get('link')),
        csrf: /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '',
        token,
      }).toString(),
      redirect: 'manual',
    });
    expect(confirm.status).to.equal(303);
    return gw.request('GET', String(confirm.headers.get('location')), undefined, {
      token: null,
      headers: { cookie: ownerCookie(confirm.headers) },
    });
  };

  it('answers 401 reauth_required with a login URL that works in the user’s browser once confirmed', async () => {
    const denied = await gw.request('POST', '/mcp/tool/call', {
      username: 'dave',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(denied.status).to.equal(401);
    expect(denied.body).to.include({
      code: 'reauth_required',
      reauthRequired: true,
      serverName: 'gmail',
      username: 'dave',
    });
    const loginUrl = String(denied.body.authorizationUrl);
    const flow = flowFrom(await confirmed(loginUrl, (await gw.issueToken('dave')).token));
    expect((await callback(await consent(flow))).status).to.equal(200);
    const ok = await gw.request('POST', '/mcp/tool/call', {
      username: 'dave',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(ok.status, ok.text).to.equal(200);
  });

  it('lets a login link start the flow only for its own user and server', async () => {
    const link = await gw.request(
      'POST',
      '/auth/google/link',
      { serverName: 'gmail' },
      { token: tokenFor.bob as string },
    );
    expect(link.status, link.text).to.equal(200);
    const url = new URL(String(link.body.url));
    expect(url.searchParams.get('user_id')).to.equal('bob');
    const other = new URL(url);
    other.searchParams.set('user_id', 'alice');
    expect(
      (await gw.request('GET', other.pathname + other.search, undefined, { token: null })).status,
    ).to.equal(403);
    const tampered = new URL(url);
    tampered.searchParams.set('link', `${String(url.searchParams.get('link')).slice(0, -2)}AA`);
    expect(
      (await gw.request('GET', tampered.pathname + tampered.search, undefined, { token: null })).status,
    ).to.equal(401);
    // The browser that asked for the link with bob's token carries the owner cookie: straight to Google.
    const owner = { cookie: ownerCookie(link.headers) };
    expect(
      (await gw.request('GET', url.pathname + url.search, undefined, { token: null, headers: owner })).status,
    ).to.equal(302);
    skewMs = TTL_MS + 1000;
    expect(
      (await gw.request('GET', url.pathname + url.search, undefined, { token: null, headers: owner })).status,
    ).to.equal(401);
  });

  it("does not attach another person's Google account to the user a link was made for", async () => {
    const made = await gw.request(
      'POST',
      '/auth/google/link',
      { serverName: 'gmail' },
      {
        token: tokenFor.bob as string,
      },
    );
    const url = new URL(String(made.body.url));
    const startsForBob = async (): Promise<number> =>
      (await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('GoogleLoginStarted') && l.includes('"bob"')).length;
    const before = await startsForBob();
    // Opened in someone else's browser: a page naming bob that asks for bob's token; no login starts.
    const page = await gw.request('GET', url.pathname + url.search, undefined, { token: null });
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Connect a Google account to gateway user bob?');
    expect(page.headers.get('location')).to.equal(null);
    const form = (token: string): Promise<Response> =>
      fetch(`${gw.url}/auth/link/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          next: 'google',
          link: String(url.searchParams.get('link')),
          csrf: /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '',
          token,
        }).toString(),
        redirect: 'manual',
      });
    const alice = await form(tokenFor.alice as string);
    expect(alice.status).to.equal(403);
    expect(alice.headers.getSetCookie().join()).to.not.contain('mcp_link_owner');
    expect(await startsForBob()).to.equal(before);
    // Bob himself confirms with his token: the link continues to Google.
    const bob = await form(tokenFor.bob as string);
    expect(bob.status).to.equal(303);
    const next = await gw.request('GET', String(bob.headers.get('location')), undefined, {
      token: null,
      headers: { cookie: ownerCookie(bob.headers) },
    });
    expect(next.status).to.equal(302);
    expect(String(next.headers.get('location'))).to.contain('/authorize?'); // the (fake) Google consent
  });

  it('refuses to start a login for another user (403) or without any credential (401)', async () => {
    const other = await gw.request('GET', '/auth/google/login?server=gmail&user_id=alice', undefined, {
      token: tokenFor.bob as string,
    });
    expect(other.status).to.equal(403);
    const none = await gw.request('GET', '/auth/google/login?server=gmail&user_id=alice', undefined, {
      token: null,
    });
    expect(none.status).to.equal(401);
    const asAdmin = await gw.request('GET', '/auth/google/login?user_id=alice');
    expect(asAdmin.status).to.equal(302);
  });

  it('burns the state when Google reports the user declined', async () => {
    const { authorize, cookie } = await startLogin('carol');
    const state = authorize.searchParams.get('state') as string;
    const declined = await callback({
      back: `/auth/google/callback?error=access_denied&state=${state}`,
      cookie,
    });
    expect(declined.status).to.equal(400);
    expect(String(declined.body.error)).to.contain('access_denied');
    const again = await callback({ back: `/auth/google/callback?code=4/x&state=${state}`, cookie });
    expect(String(again.body.error)).to.contain('already used');
  });

  it('refuses a callback in a browser that did not start the login (login CSRF), without spending the state', async () => {
    // Mallory starts a login for her own user and sends Google's URL to Alice; Alice's browser has no cookie.
    const mallory = await consent(await startLogin('carol'));
    const inAlicesBrowser = await callback({ back: mallory.back });
    expect(inAlicesBrowser.status).to.equal(400);
    expect(String(inAlicesBrowser.body.error)).to.contain('this browser did not start this login');
    const forgedCookie = mallory.cookie.replace(/=.*/, `=${'A'.repeat(43)}`);
    expect((await callback({ back: mallory.back, cookie: forgedCookie })).status).to.equal(400);
    expect((await callback(mallory)).status, 'the state still works in the browser that started it').to.equal(
      200,
    );
  });

  it('gives auth_* tools no hidden parameters, and does not let arguments smuggle them in', async () => {
    const auth = await gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: 'gmail', methodName: 'auth_status', args: {} },
      { token: tokenFor.alice as string },
    );
    const received = JSON.parse(
      (auth.body.data as { content: Array<{ text: string }> }).content[0]!.text,
    ) as Record<string, unknown>;
    expect(received).to.not.have.property('userCredentials');
    expect(received).to.not.have.property('gauthFileContent');
    const smuggled = await gw.request(
      'POST',
      '/mcp/tool/call',
      {
        serverName: 'gmail',
        methodName: 'list_messages',
        args: { userCredentials: { access_token: 'forged' } },
      },
      { token: tokenFor.alice as string },
    );
    expect(smuggled.status).to.equal(400);
    expect(smuggled.body.code).to.equal('invalid_arguments');
  });

  it('keeps Google tokens and the client secret out of logs and event records', async () => {
    expect(google.issued.length).to.be.greaterThan(0);
    const eventLog = await readFile(`${gw.dataDir}/events/events.log`, 'utf8');
    expect(eventLog).to.contain('GoogleLoginStarted');
    for (const value of [...google.issued, google.clientSecret]) {
      expect(eventLog).to.not.contain(value);
      for (const line of gw.logs) expect(line).to.not.contain(value);
    }
  });
});

describe('Google OAuth2 servers without GOOGLE_OAUTH_CREDENTIALS', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', {
      name: 'gmail',
      command: process.execPath,
      args: [GOOGLE_FIXTURE],
      env: { MCP_AUTH_TYPE: 'OAUTH2_GOOGLE' },
    });
    await waitForStatus(gw, 'gmail', ['connected']);
  });
  after(async () => {
    await gw.close();
  });

  it('answers 503 oauth_not_configured to a login and to a tool call, and still serves auth_* tools', async () => {
    const login = await gw.request('GET', '/auth/google/login?user_id=alice');
    expect(login.status).to.equal(503);
    expect(login.body.code).to.equal('oauth_not_configured');
    const call = await gw.request('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(call.status).to.equal(503);
    expect(call.body.code).to.equal('oauth_not_configured');
    const auth = await gw.request('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'gmail',
      methodName: 'auth_status',
      args: {},
    });
    expect(auth.status).to.equal(200);
  });
});

/** The `mcp_link_owner=...` pair a response set (what a browser would send back). */
function ownerCookie(headers: Headers): string {
  const pair = headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('mcp_link_owner='));
  if (!pair) throw new Error('no owner cookie set');
  return pair;
}
