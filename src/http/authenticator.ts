import { hashesEqual, hashToken, userTokenId } from '../crypto/accessTokens.js';
import type { TokensModel } from '../projections/tokensProjection.js';
import type { Principal } from './principal.js';

export interface Authenticator {
  /** False when AUTH=none: every request then acts as an admin. */
  readonly enabled: boolean;
  /**
   * The principal for an Authorization header value, or undefined (no, malformed, unknown, revoked or expired
   * token).
   */
  authenticate(authorization: string | undefined): Principal | undefined;
}

export interface AuthenticatorOptions {
  readonly mode: 'token' | 'none';
  readonly adminToken?: string;
  readonly tokens: () => TokensModel;
  readonly clock: () => Date;
  /** Access tokens of the gateway's own authorization server (checked in memory); absent when it is off. */
  readonly oauth?: (token: string) => Principal | undefined;
}

const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;
/** Compared against when no record matches, so a miss costs the same as a hit. */
const DUMMY_HASH = hashToken('mcp-api: no such token');

/**
 * Checks bearer tokens against the admin token and the token read model (in memory; no store
 * read). Comparisons are on SHA-256 digests with timingSafeEqual. Callers learn only "valid or
 * not": which part failed is never reported or logged.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  if (options.mode === 'token' && !options.adminToken)
    throw new Error('An admin token is required when AUTH=token');
  const adminHash = options.adminToken ? hashToken(options.adminToken) : DUMMY_HASH;
  const admin: Principal = { kind: 'admin' };

  return {
    enabled: options.mode === 'token',
    authenticate(authorization) {
      if (options.mode === 'none') return admin;
      const token = authorization === undefined ? undefined : BEARER.exec(authorization.trim())?.[1];
      if (token === undefined) return undefined;
      const presented = hashToken(token);
      if (hashesEqual(presented, adminHash)) return admin;
      const id = userTokenId(token);
      if (id === undefined && options.oauth) return options.oauth(token);
      const record = id === undefined ? undefined : options.tokens().get(id);
      const matches = hashesEqual(presented, record?.tokenHash ?? DUMMY_HASH);
      if (!record || !matches || record.revokedAt !== undefined) return undefined;
      if (record.expiresAt !== undefined && options.clock().getTime() >= Date.parse(record.expiresAt))
        return undefined;
      return { kind: 'user', username: record.username, tokenId: record.tokenId };
    },
  };
}
