import * as z from 'zod';
import { SealedSchema } from './secretEvents.js';

/**
 * State of the gateway's own OAuth authorization server (oidc-provider's models: clients, grants,
 * codes, access and refresh tokens, sign-in sessions and interactions, the signing key). Ids of
 * tokens and codes ARE the credentials, so a record is keyed by the SHA-256 of its id and its whole
 * payload is sealed: the log never holds a usable token. What the gateway must read without
 * opening (which grant, whose, until when) is in clear.
 */
const key = z.string().regex(/^[0-9a-f]{64}$/);
const model = z.enum([
  'Client',
  'Grant',
  'AuthorizationCode',
  'AccessToken',
  'RefreshToken',
  'RegistrationAccessToken',
  // Browser-flow state, so a sign-in may cross instances (no sticky routing needed).
  'Session',
  'Interaction',
  // The ID-token signing key, one for every instance (created by the first, sealed like the rest).
  'SigningKey',
]);

export const AuthServerRecordStored = z.object({
  model,
  key,
  grantId: z.string().min(1).max(256).optional(),
  accountId: z.string().min(1).max(256).optional(),
  clientId: z.string().min(1).max(2048).optional(),
  /** A session's uid (not a credential: the session id in the cookie is), for findByUid. */
  uid: z.string().min(1).max(256).optional(),
  /** ISO-8601; absent: does not expire (clients). */
  expiresAt: z.string().optional(),
  sealed: SealedSchema,
});
export const AuthServerRecordConsumed = z.object({ model, key });
export const AuthServerRecordDestroyed = z.object({ model, key });
/** Every record of the grant is gone: revocation, a replayed code, a user revoking a client. */
export const AuthServerGrantRevoked = z.object({ grantId: z.string().min(1).max(256) });

export type AuthServerModelName = z.infer<typeof model>;
export const AUTH_SERVER_MODELS = model.options;

export const authRecordStreamId = (modelName: string, recordKey: string): string =>
  `authserver-${modelName}-${recordKey}`;
export const authGrantStreamId = (grantId: string): string => `authserver-grant-${grantId}`;
