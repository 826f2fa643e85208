import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { startIdentityProvider, type TestIdentityProvider } from '../fixtures/identityProvider.js';
import {
  authorizationUrl,
  authorizeInBrowser,
  clientBrowser,
  MemoryOAuthProvider,
  registerClient,
  tokenRequest,
  CLIENT_REDIRECT,
} from '../support/oauthFlow.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('the gateway as an OAuth authorization server (real identity provider, real SDK client)', function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let idp: TestIdentityProvider;
  let now = Date.now();
  let userToken: string;

  before(async () => {
    idp = await startIdentityProvider({
      'alice-login': { email: 'alice@example.test', groups: ['eng'] },
      'bob-login': { email: 'bob@example.test', groups: ['ops'] },
    });
    gw = await startTestGateway({
      clock: () => new Date(now),
      oauth: {
        federation: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          usernameClaim: 'email',
          groupsClaim: 'groups',
        },
      },
    });
    idp.register(`${gw.url}/auth/oidc/callback`);
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await waitForStatus(gw, 'alpha', ['connected']);
    await gw.request('POST', '/secrets/set', {
      username: 'alice@example.test',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'alice-oauth-secret-7781',
    });
    userToken = (await gw.issueToken('carol')).token;
  });
  after(async () => {
    await gw?.close();
    await idp?.close();
  });

  it('answers 401 with the resource metadata URL, and serves RFC 9728 and RFC 8414 metadata', async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer resource_metadata="${gw.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const prm = (await (await fetch(`${gw.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
      string,
      unknown
    >;
    expect(prm).to.deep.include({ resource: `${gw.url}/mcp`, authorization_servers: [gw.url] });
    const as = (await (await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(as.issuer).to.equal(gw.url);
    expect(as.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(as.authorization_response_iss_parameter_supported).to.equal(true);
    expect(as.registration_endpoint).to.equal(`${gw.url}/oauth/register`);
    expect(as.response_types_supported).to.deep.equal(['code']);
  });

  it(
    'the SDK client discovers, registers, signs in at the identity provider, ' +
      'consents, and then lists only what the policy allows',
    async () => {
      await gw.request('PUT', '/policy', {
        rules: [
          {
            id: 'eng',
            effect: 'allow',
            subjects: ['group:eng'],
            server: 'alpha',
            kind: 'tool',
            name: 'echo*',
          },
        ],
      });
      const provider = new MemoryOAuthProvider('Claude-like client');
      const url = new URL(`${gw.url}/mcp`);
      const first = new Client({ name: 'oauth-test', version: '1.0.0' });
      const error = await first
        .connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnauthorizedError);
      const authUrl = provider.authorizationUrl as URL;
      expect(authUrl.searchParams.get('resource')).to.equal(`${gw.url}/mcp`);
      expect(authUrl.searchParams.get('code_challenge_method')).to.equal('S256');

      const { redirect, consentPage } = await authorizeInBrowser(clientBrowser(), authUrl.href, {
        idp: { login: 'alice-login' },
      });
      expect(consentPage)
        .to.include('Claude-like client')
        .and.include(CLIENT_REDIRECT)
        .and.include('alice@example.test');
      expect(redirect.searchParams.get('iss')).to.equal(gw.url);
      const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      await transport.finishAuth(redirect.searchParams.get('code') as string);
      const client = new Client({ name: 'oauth-test', version: '1.0.0' });
      await client.connect(transport);
      for (const value of [provider.saved?.access_token, provider.saved?.refresh_token])
        if (value) suiteCanaries.add(value, gw.dataDir);
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).to.deep.equal(['alpha__echo', 'alpha__echo_args', 'alpha__echo_secret']);
      expect(
        text(await client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } })),
      ).to.equal('alice-oauth-secret-7781');
      await client.close();

      const users = await gw.request('GET', '/users/alice@example.test');
      expect(users.body.user).to.deep.include({ source: 'oidc', idpGroups: ['eng'] });
      const clients = await gw.request('GET', '/auth/clients?username=alice@example.test');
      expect((clients.body.clients as Array<{ clientName?: string }>).map((c) => c.clientName)).to.deep.equal(
        ['Claude-like client'],
      );
      await gw.request('PUT', '/policy', { rules: [] });
    },
  );

  describe('refusals', () => {
    const signedIn = async (extra: Record<string, string> = {}) => {
      const client = await registerClient(gw.url);
      const { redirect } = await authorizeInBrowser(
        clientBrowser(),
        authorizationUrl(gw.url, client, extra),
        { token: userToken },
      );
      const code = redirect.searchParams.get('code') as string;
      return { client, code };
    };
    const exchange = async (
      client: { clientId: string; verifier: string },
      code: string,
      extra: Record<string, string> = {},
    ) => {
      const res = await tokenRequest(gw.url, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CLIENT_REDIRECT,
        client_id: client.clientId,
        code_verifier: client.verifier,
        ...extra,
      });
      // The suite-wide sweep then checks no log line, event or key file ever holds one of these.
      for (const value of [code, res.body.access_token, res.body.refresh_token])
        if (typeof value === 'string') suiteCanaries.add(value, gw.dataDir);
      return res;
    };
    const status = async (token: string): Promise<number> =>
      (await gw.request('GET', '/mcp/tools', undefined, { token })).status;

    it('issues a token a user token signed in for, usable on REST and /mcp', async () => {
      const { client, code } = await signedIn();
      const res = await exchange(client, code);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(await status(res.body.access_token as string)).to.equal(200);
      const me = await gw.request('GET', '/auth/me', undefined, { token: res.body.access_token as string });
      expect(JSON.stringify(me.body)).to.include('carol');
    });

    it('refuses an authorization request without PKCE, or with the plain method', async () => {
      const client = await registerClient(gw.url);
      for (const extra of [
        { code_challenge: '', code_challenge_method: '' },
        { code_challenge_method: 'plain', code_challenge: client.verifier },
      ]) {
        const page = await clientBrowser().fetch(authorizationUrl(gw.url, client, extra));
        expect(page.url.searchParams.get('error')).to.equal('invalid_request');
      }
    });

    it('refuses a wrong code_verifier', async () => {
      const { client, code } = await signedIn();
      const res = await exchange(client, code, { code_verifier: 'x'.repeat(43) });
      expect(res.body.error).to.equal('invalid_grant');
    });

    it('refuses a redirect URI that was not registered, without redirecting there', async () => {
      const client = await registerClient(gw.url);
      const page = await clientBrowser().fetch(
        authorizationUrl(gw.url, client, { redirect_uri: 'http://127.0.0.1:1/callback/evil' }),
      );
      expect(page.status).to.equal(400);
      expect(page.url.pathname).to.equal('/oauth/authorize');
    });

    it('refuses a replayed code and revokes what the first exchange issued', async () => {
      const { client, code } = await signedIn();
      const first = await exchange(client, code);
      expect(first.status).to.equal(200);
      const replay = await exchange(client, code);
      expect(replay.body.error).to.equal('invalid_grant');
      expect(await status(first.body.access_token as string)).to.equal(401);
    });

    it('refuses a resource (audience) other than the gateway', async () => {
      const client = await registerClient(gw.url);
      const page = await clientBrowser().fetch(
        authorizationUrl(gw.url, client, { resource: 'https://elsewhere.example/mcp' }),
      );
      expect(page.url.searchParams.get('error')).to.equal('invalid_target');
    });

    it('rotates refresh tokens and refuses a used one', async () => {
      const { client, code } = await signedIn();
      const tokens = await exchange(client, code);
      const refreshed = await tokenRequest(gw.url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token as string,
        client_id: client.clientId,
      });
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      expect(refreshed.body.refresh_token).to.be.a('string').and.not.equal(tokens.body.refresh_token);
      const reused = await tokenRequest(gw.url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token as string,
        client_id: client.clientId,
      });
      expect(reused.body.error).to.equal('invalid_grant');
    });

    it('refuses a revoked token (RFC 7009) and a client its user revoked', async () => {
      const a = await signedIn();
      const ta = await exchange(a.client, a.code);
      const revoke = await fetch(`${gw.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: ta.body.access_token as string,
          client_id: a.client.clientId,
        }).toString(),
      });
      expect(revoke.status).to.equal(200);
      expect(await status(ta.body.access_token as string)).to.equal(401);

      const b = await signedIn();
      const tb = await exchange(b.client, b.code);
      const del = await gw.request(
        'DELETE',
        `/auth/clients/${encodeURIComponent(b.client.clientId)}`,
        undefined,
        { token: userToken },
      );
      expect(del.status, del.text).to.equal(200);
      expect(await status(tb.body.access_token as string)).to.equal(401);
    });

    it('refuses an expired token (the gateway clock moves past its expiry)', async () => {
      const { client, code } = await signedIn();
      const tokens = await exchange(client, code);
      expect(await status(tokens.body.access_token as string)).to.equal(200);
      now += 2 * 3600_000;
      try {
        expect(await status(tokens.body.access_token as string)).to.equal(401);
      } finally {
        now -= 2 * 3600_000;
      }
    });

    it('never stores a usable token in the event log', async () => {
      const { client, code } = await signedIn();
      const tokens = await exchange(client, code);
      const log = JSON.stringify(await gw.store.readAll(0, 100_000));
      expect(log).to.not.include(tokens.body.access_token as string);
      expect(log).to.not.include(tokens.body.refresh_token as string);
      expect(log).to.not.include(code);
    });
  });
});
