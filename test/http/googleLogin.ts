import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeGoogle, type FakeGoogle } from '../support/fakeGoogle.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

export const GOOGLE_FIXTURE = fileURLToPath(new URL('../fixtures/googleFixtureServer.js', import.meta.url));
export const TTL_MS = 60_000;

type Answer = Awaited<ReturnType<TestGateway['request']>>;

/** The path and query of an absolute URL on the gateway, for gw.request. */
export const local = (gw: TestGateway, url: string): string => {
  expect(url.startsWith(gw.url), url).to.equal(true);
  return url.slice(gw.url.length);
};

/** A login in progress, as the browser holds it: Google's consent URL and the gateway's cookie. */
export interface Flow {
  authorize: URL;
  cookie: string;
}

/**
 * A gateway with a fake Google behind it and the Google fixture server registered as "gmail"
 * (MCP_AUTH_TYPE=OAUTH2_GOOGLE); users alice, bob and carol have tokens. The browser steps of a login
 * are methods here.
 */
export interface GoogleLogin {
  readonly gw: TestGateway;
  readonly google: FakeGoogle;
  /** The GOOGLE_OAUTH_CREDENTIALS the gateway was given (what the tools receive as gauthFileContent). */
  readonly credentials: Record<string, unknown>;
  readonly tokenFor: Record<string, string>;
  /** How far ahead of the real time the gateway's clock runs; back to 0 after each test. */
  skewMs: number;
  /** The login that a 302 answer to the Google login route started. */
  flowFrom(res: { status: number; text: string; headers: Headers }): Flow;
  /** Starts a login as `user` (with that user's token). */
  startLogin(user: string): Promise<Flow>;
  /** The browser at Google: the user clicks "Allow"; returns where Google sends them back. */
  consent(flow: Flow): Promise<{ back: string; cookie: string }>;
  /** The browser back at the gateway's callback, with (or without) the cookie from the login. */
  callback(at: { back: string; cookie?: string }): Promise<Answer>;
  /** `list_messages` (a tool that gets the hidden Google parameters) as `user`. */
  listMessages(user: string): Promise<Answer>;
}

/** The Google login setup for one describe block: started before its tests, closed after them. */
export function useGoogleLogin(): GoogleLogin {
  let gw: TestGateway | undefined;
  let google: FakeGoogle | undefined;
  let credentials: Record<string, unknown> = {};
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
    if (google && gw)
      for (const value of [...google.issued, google.clientSecret]) suiteCanaries.add(value, gw.dataDir);
    await gw?.close();
    await google?.close();
    await rm(secretFile, { force: true });
  });
  afterEach(() => {
    skewMs = 0;
  });

  const live = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the Google login setup is not running (outside its describe block)');
    return value;
  };
  const flowFrom = (res: { status: number; text: string; headers: Headers }): Flow => {
    expect(res.status, res.text).to.equal(302);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).to.match(/^mcp_google_login_[0-9a-f]{16}=/);
    return { authorize: new URL(res.headers.get('location') as string), cookie };
  };
  return {
    get gw() {
      return live(gw);
    },
    get google() {
      return live(google);
    },
    get credentials() {
      return credentials;
    },
    tokenFor,
    get skewMs() {
      return skewMs;
    },
    set skewMs(ms: number) {
      skewMs = ms;
    },
    flowFrom,
    startLogin: async (user) =>
      flowFrom(
        await live(gw).request('GET', '/auth/google/login?server=gmail', undefined, {
          token: tokenFor[user] as string,
        }),
      ),
    consent: async (flow) => {
      const res = await fetch(flow.authorize, { redirect: 'manual' });
      expect(res.status).to.equal(302);
      return { back: local(live(gw), res.headers.get('location') as string), cookie: flow.cookie };
    },
    callback: (at) =>
      live(gw).request('GET', at.back, undefined, {
        token: null,
        headers: at.cookie ? { cookie: at.cookie } : {},
      }),
    listMessages: (user) =>
      live(gw).request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'gmail', methodName: 'list_messages', args: { query: 'is:unread' } },
        { token: tokenFor[user] as string },
      ),
  };
}
