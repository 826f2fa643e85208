import type { Projector } from '../../projections/projector.js';
import { openRecord } from './recordAdapter.js';

export interface OAuthCaller {
  readonly username: string;
  readonly clientId: string;
  readonly grantId: string;
}

export interface AccessTokenCheckDeps {
  readonly projector: Projector;
  readonly sealKey: Buffer;
  readonly clock: () => Date;
  /** The gateway's audience: a token issued for anything else is refused. */
  readonly audience: string;
}

/** oidc-provider's opaque access tokens: 43 base64url characters (256 bits). */
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks an access token the gateway's authorization server issued, in memory (read model + one
 * AES-GCM open): known, not expired by the gateway's clock, issued for this gateway as audience,
 * and its grant not revoked. Anything else is "no such token".
 */
export function createAccessTokenCheck(
  deps: AccessTokenCheckDeps,
): (token: string) => OAuthCaller | undefined {
  return (token) => {
    if (!OPAQUE.test(token)) return undefined;
    const payload = openRecord(deps, 'AccessToken', token);
    if (
      !payload ||
      typeof payload.accountId !== 'string' ||
      typeof payload.grantId !== 'string' ||
      typeof payload.clientId !== 'string'
    )
      return undefined;
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= deps.clock().getTime()) return undefined;
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (aud.length !== 1 || aud[0] !== deps.audience) return undefined;
    if (!openRecord(deps, 'Grant', payload.grantId)) return undefined;
    return { username: payload.accountId, clientId: payload.clientId, grantId: payload.grantId };
  };
}
