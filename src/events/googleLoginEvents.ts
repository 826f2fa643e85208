import * as z from 'zod';
import { SERVER_NAME } from './serverEvents.js';
import { USERNAME } from './secretEvents.js';

const stateHash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A Google login began for (user, server). The random `state` sent to Google is a bearer
 * capability, so only its SHA-256 is recorded; the stream per state makes it single-use.
 */
export const GoogleLoginStarted = z.object({
  stateHash,
  username: z.string().regex(USERNAME),
  serverName: z.string().regex(SERVER_NAME),
  serverId: z.string().min(1),
  expiresAt: z.string(),
});
/** The state came back (to the callback) and can never be used again. */
export const GoogleLoginCompleted = z.object({
  stateHash,
  username: z.string().regex(USERNAME),
  serverName: z.string().regex(SERVER_NAME),
});

export const googleLoginStreamId = (stateHash: string): string => `google-login-${stateHash}`;
