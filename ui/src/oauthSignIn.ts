/**
 * Signing in to the console through the gateway's own OAuth authorization server (issue 13), as
 * any other public OAuth client would: dynamic registration, authorization code with PKCE (S256),
 * `state`, the `iss` check of RFC 9207, and the code exchanged at the token endpoint. The access
 * token it yields is then used exactly like a pasted user token (a Bearer header, sessionStorage).
 */

interface Metadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint?: string;
  readonly revocation_endpoint?: string;
}

/** Between leaving for the authorization server and coming back: this tab only. */
const PENDING = 'mcp-api.console.oauth';
/** The console's client id per redirect URI: not a secret, kept so every sign-in is not a new client. */
const CLIENT = 'mcp-api.console.client';

const redirectUri = (): string => `${location.origin}${location.pathname}`;

/** The authorization server's metadata, or undefined when the gateway runs none (no PUBLIC_URL). */
export async function oauthMetadata(): Promise<Metadata | undefined> {
  try {
    const res = await fetch('/.well-known/oauth-authorization-server', {
      headers: { accept: 'application/json' },
    });
    if (!res.ok) return undefined;
    const m = (await res.json()) as Partial<Metadata>;
    return m.issuer && m.authorization_endpoint && m.token_endpoint ? (m as Metadata) : undefined;
  } catch {
    return undefined;
  }
}

const random = (bytes: number): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

function base64url(data: Uint8Array): string {
  let s = '';
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function clientId(m: Metadata): Promise<string> {
  const key = `${CLIENT}:${redirectUri()}`;
  const known = localStorage.getItem(key);
  if (known) return known;
  if (!m.registration_endpoint) throw new Error('The authorization server does not register clients');
  const res = await fetch(m.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'mcp-api console',
      redirect_uris: [redirectUri()],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }),
  });
  const body = (await res.json()) as { client_id?: string; error_description?: string };
  if (!res.ok || !body.client_id)
    throw new Error(body.error_description ?? `registration failed (${res.status})`);
  localStorage.setItem(key, body.client_id);
  return body.client_id;
}

/** Leaves for the authorization server's sign-in and consent pages. */
export async function startOAuthSignIn(m: Metadata): Promise<void> {
  const client = await clientId(m);
  const verifier = random(32);
  const state = random(16);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, client }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: client,
    redirect_uri: redirectUri(),
    scope: 'mcp',
    resource: m.issuer,
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  });
  location.assign(`${m.authorization_endpoint}?${params.toString()}`);
}

/**
 * Back from the authorization server (`?code&state&iss` or `?error`): checks state and issuer,
 * exchanges the code, and returns the access token. Undefined when this load is not a return.
 */
export async function finishOAuthSignIn(): Promise<string | undefined> {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
    client: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  // The code must not stay in the address bar or the history.
  history.replaceState(null, '', location.pathname + location.hash);
  if (query.has('error')) throw new Error(query.get('error_description') ?? query.get('error') ?? 'refused');
  if (!pending || query.get('state') !== pending.state) throw new Error('this sign-in was not started here');
  const m = await oauthMetadata();
  if (!m || query.get('iss') !== m.issuer) throw new Error('the answer came from another issuer');
  const res = await fetch(m.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: pending.client,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (body.error === 'invalid_client') localStorage.removeItem(`${CLIENT}:${redirectUri()}`);
  if (!res.ok || !body.access_token) throw new Error(body.error_description ?? body.error ?? 'no token');
  sessionStorage.setItem(SIGNED_IN_AS, pending.client);
  return body.access_token;
}

/** Which client the tab's token was issued to, while it holds one from this sign-in. */
const SIGNED_IN_AS = 'mcp-api.console.oauthClient';

/** Signing out revokes the token this sign-in got (RFC 7009), so it is dead, not just forgotten. */
export async function revokeOAuthToken(token: string): Promise<void> {
  const client = sessionStorage.getItem(SIGNED_IN_AS);
  sessionStorage.removeItem(SIGNED_IN_AS);
  if (!client) return;
  const m = await oauthMetadata();
  if (!m?.revocation_endpoint) return;
  await fetch(m.revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'access_token', client_id: client }).toString(),
  }).catch(() => undefined);
}
