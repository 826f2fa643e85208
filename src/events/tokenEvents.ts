import * as z from 'zod';
import { USERNAME } from './secretEvents.js';

export const TOKEN_ID = /^[0-9a-f]{32}$/;
const tokenId = z.string().regex(TOKEN_ID);

/** A user token was issued. Only the SHA-256 of the token is recorded; the token itself is shown once. */
export const TokenIssued = z.object({
  tokenId,
  username: z.string().regex(USERNAME),
  label: z.string().max(200).optional(),
  /** ISO-8601; absent means the token does not expire. */
  expiresAt: z.string().optional(),
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export const TokenRevoked = z.object({ tokenId, username: z.string().regex(USERNAME) });

export type TokenIssuedData = z.infer<typeof TokenIssued>;

export const tokenStreamId = (id: string): string => `token-${id}`;
