import { hash } from 'node:crypto';

/**
 * What the store knows a legacy session by. The session id is a bearer value (with the owner's
 * token it is the session), so events and logs carry only this hash of it.
 */
export const sessionKey = (sessionId: string): string => hash('sha256', sessionId, 'base64url').slice(0, 32);
