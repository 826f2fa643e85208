import type { FetchLike } from '@modelcontextprotocol/client';
import type { SecretBox } from '../../../crypto/secretBox.js';
import { AppError } from '../../../errors.js';
import { headerSecretName, SERVER_HEADER_USER, type StreamableHttpTransport } from '../../../events/serverEvents.js';
import { reauthRequired, type OAuthTarget, type OAuthTokenService } from './oauthTokens.js';

export interface AuthorizingFetchOptions {
  readonly base: FetchLike;
  readonly target: OAuthTarget;
  /** Whose OAuth tokens this connection's requests carry (looked up per request). */
  readonly username: string;
  readonly tokens: OAuthTokenService;
  /** The server's configured headers, already decrypted. A static Authorization yields to OAuth tokens. */
  readonly staticHeaders: () => Readonly<Record<string, string>>;
}

/**
 * Adds the configured headers and, when the user has OAuth tokens, `Authorization: Bearer`, to
 * every request the SDK transport makes. The SDK's own authProvider path is not used: it refreshes
 * per failing request (not single-flight) and on a dead grant starts an interactive authorization
 * a gateway cannot finish. Here a 401 leads to one shared refresh and one retry; a second 401, a
 * refused refresh or missing tokens end in `reauth_required`.
 */
export function createAuthorizingFetch(o: AuthorizingFetchOptions): FetchLike {
  return async (url, init = {}) => {
    const token = await o.tokens.accessToken(o.target, o.username);
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(o.staticHeaders())) {
      if (token !== undefined && name.toLowerCase() === 'authorization') continue;
      headers.set(name, value);
    }
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    const first = await o.base(url, { ...init, headers });
    if (first.status !== 401) return first;
    await first.body?.cancel().catch(() => undefined);
    if (token === undefined) {
      throw reauthRequired(o.target, o.username, 'the server answered 401 and no OAuth tokens are stored for this user');
    }
    const next = await o.tokens.afterRejection(o.target, o.username, token);
    headers.set('authorization', `Bearer ${next}`);
    const second = await o.base(url, { ...init, headers });
    if (second.status !== 401) return second;
    await second.body?.cancel().catch(() => undefined);
    throw reauthRequired(o.target, o.username, 'the server rejected the refreshed access token');
  };
}

/** A remote server's configured headers in clear: the plain ones plus the sealed credentials, opened. */
export function openHeaders(transport: StreamableHttpTransport, serverName: string, box: SecretBox): Record<string, string> {
  const out = { ...transport.headers };
  for (const [name, sealed] of Object.entries(transport.sealedHeaders ?? {})) {
    try {
      out[name] = box.open(sealed, { username: SERVER_HEADER_USER, serverName, secretName: headerSecretName(name) });
    } catch {
      throw new AppError('secret_undecryptable', `Stored header ${name} of server ${serverName} cannot be decrypted; set the headers again`, { serverName });
    }
  }
  return out;
}
