import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens. A user token is `mcpu_<id>_<secret>`: the id (32 hex, public, listed by
 * GET /auth/tokens) finds the record, the 256-bit secret proves possession. Only the SHA-256 of
 * the whole token is stored; a fast hash is enough because the token is random, not a password.
 */
const USER_TOKEN = /^mcpu_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function newUserToken(): { tokenId: string; token: string } {
  const tokenId = randomBytes(16).toString('hex');
  return { tokenId, token: `mcpu_${tokenId}_${randomBytes(32).toString('base64url')}` };
}

/** The token id a presented user token claims, or undefined if it is not shaped like one. */
export function userTokenId(token: string): string | undefined {
  return USER_TOKEN.exec(token)?.[1];
}

/** One-shot `crypto.hash` (Node >= 20.12): a third of createHash's cost, and it runs on every request. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex SHA-256 digests (equal length by construction). */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** A random admin token for the generated default (DATA_DIR/admin.token). */
export function newAdminToken(): string {
  return `mcpa_${randomBytes(32).toString('base64url')}`;
}
