import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { createHash, randomBytes } from 'node:crypto';
import { TestBrowser } from './formBrowser.js';

export const CLIENT_REDIRECT = 'http://127.0.0.1:1/callback';

/** An MCP client's OAuth state as the SDK keeps it, in memory; the authorization URL is handed to the test. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  constructor(private readonly name = 'Test MCP client') {}
  get redirectUrl(): string {
    return CLIENT_REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [CLIENT_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
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
}

/** A browser that stops at the MCP client's redirect URI (nothing listens there). */
export const clientBrowser = (): TestBrowser =>
  new TestBrowser((url) => url.href.startsWith(CLIENT_REDIRECT));

export type SignIn = { token: string } | { idp: { login: string } };

/**
 * Runs the browser part of an authorization request: sign in (with a gateway user token, or at the
 * identity provider's login form), allow on the consent page; returns where the client was sent.
 */
export async function authorizeInBrowser(
  browser: TestBrowser,
  authorizationUrl: string,
  signIn: SignIn,
): Promise<{ redirect: URL; consentPage: string }> {
  let page = await browser.fetch(authorizationUrl);
  if (page.status !== 200) throw new Error(`authorization page ${page.status}: ${page.text.slice(0, 300)}`);
  if ('token' in signIn) {
    page = await browser.submit(page, { token: signIn.token }, /\/login$/);
  } else {
    const link = /href="([^"]+\/federate)"/.exec(page.text)?.[1];
    if (!link) throw new Error(`no identity provider link: ${page.text.slice(0, 300)}`);
    page = await browser.fetch(new URL(link, page.url).href);
    page = await browser.submit(page, { login: signIn.idp.login, password: 'any' }); // the IdP's login form
    if (/name="prompt" value="consent"/.test(page.text)) page = await browser.submit(page, {}); // the IdP's own consent
  }
  const consentPage = page.text;
  if (!/Allow access\?/.test(consentPage))
    throw new Error(`expected the consent page, got ${page.status}: ${page.text.slice(0, 400)}`);
  const done = await browser.submit(page, { decision: 'allow' }, /\/confirm$/);
  return { redirect: done.url, consentPage };
}

export interface RawClient {
  readonly clientId: string;
  readonly verifier: string;
  readonly challenge: string;
}

/** Dynamic client registration (RFC 7591) of a public client, and a fresh PKCE pair. */
export async function registerClient(
  gatewayUrl: string,
  redirectUris = [CLIENT_REDIRECT],
): Promise<RawClient> {
  const res = await fetch(`${gatewayUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'raw client',
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const body = (await res.json()) as { client_id?: string };
  if (res.status !== 201 || !body.client_id)
    throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
  const verifier = randomBytes(32).toString('base64url');
  return {
    clientId: body.client_id,
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
  };
}

export function authorizationUrl(
  gatewayUrl: string,
  client: RawClient,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: CLIENT_REDIRECT,
    scope: 'mcp',
    resource: `${gatewayUrl}/mcp`,
    state: randomBytes(8).toString('hex'),
    code_challenge: client.challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  for (const [k, v] of Object.entries(extra)) if (v === '') params.delete(k);
  return `${gatewayUrl}/oauth/authorize?${params.toString()}`;
}

export async function tokenRequest(
  gatewayUrl: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${gatewayUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
