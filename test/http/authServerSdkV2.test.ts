import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { authorizeInBrowser, clientBrowser, CLIENT_REDIRECT } from '../support/oauthFlow.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/** The v2 client's OAuth provider interface, kept in memory; the authorization URL goes to the test's browser. */
class V2Provider implements OAuthClientProvider {
  info: StoredOAuthClientInformation | undefined;
  saved: StoredOAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl(): string {
    return CLIENT_REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK v2 client',
      redirect_uris: [CLIENT_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.info = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  discovery: OAuthDiscoveryState | undefined;
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
}

describe('OAuth sign-in with the SDK v2 client (@modelcontextprotocol/client)', function () {
  this.timeout(90_000);
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway({ oauth: {} });
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await waitForStatus(gw, 'alpha', ['connected']);
    await gw.request('POST', '/users', { username: 'dave', groups: ['calc'] });
    await gw.request('POST', '/secrets/set', {
      username: 'dave',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'dave-v2-secret-3141',
    });
    await gw.request('PUT', '/policy', {
      rules: [
        { id: 'calc', effect: 'allow', subjects: ['group:calc'], server: 'alpha', kind: 'tool', name: 'add' },
        {
          id: 'own-secret',
          effect: 'allow',
          subjects: ['user:dave'],
          server: 'alpha',
          kind: 'tool',
          name: 'echo_secret',
        },
      ],
    });
  });
  after(async () => {
    await gw.close();
  });

  it(
    'discovers, registers, signs in, checks iss (RFC 9207), ' +
      'and sees only its allowed tools with its own secrets',
    async () => {
      const provider = new V2Provider();
      const url = new URL(`${gw.url}/mcp`);
      const first = new Client({ name: 'v2-oauth-test', version: '1.0.0' });
      const error = await first
        .connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnauthorizedError);
      const { token } = await gw.issueToken('dave');
      const { redirect } = await authorizeInBrowser(
        clientBrowser(),
        (provider.authorizationUrl as URL).href,
        {
          token,
        },
      );
      const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      await transport.finishAuth(redirect.searchParams);
      for (const value of [provider.saved?.access_token, provider.saved?.refresh_token])
        if (value) suiteCanaries.add(value, gw.dataDir);
      const client = new Client({ name: 'v2-oauth-test', version: '1.0.0' });
      await client.connect(transport);
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).to.deep.equal(['alpha__add', 'alpha__echo_secret']);
      const secret = await client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } });
      expect(JSON.stringify(secret.content)).to.include('dave-v2-secret-3141');
      await client.close();
    },
  );

  it(
    'refuses a callback whose iss is not the gateway ' +
      '(mix-up defence on the client side works with our metadata)',
    async () => {
      const provider = new V2Provider();
      const url = new URL(`${gw.url}/mcp`);
      await new Client({ name: 'v2', version: '1.0.0' })
        .connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))
        .catch(() => undefined);
      const { token } = await gw.issueToken('dave');
      const { redirect } = await authorizeInBrowser(
        clientBrowser(),
        (provider.authorizationUrl as URL).href,
        {
          token,
        },
      );
      const forged = new URLSearchParams(redirect.searchParams);
      forged.set('iss', 'https://attacker.example');
      const failed = await new StreamableHTTPClientTransport(url, { authProvider: provider })
        .finishAuth(forged)
        .catch((e: unknown) => e);
      expect(failed).to.be.instanceOf(Error);
      expect(provider.saved).to.equal(undefined);
    },
  );
});
