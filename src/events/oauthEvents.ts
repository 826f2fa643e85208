import * as z from 'zod';
import { SealedSchema, USERNAME } from './secretEvents.js';

/**
 * OAuth tokens of one user for one remote server registration. Every secret field (access and
 * refresh token, client secret, PKCE verifier) is sealed with the SecretBox, bound to
 * (username, serverName, `oauth.<field>`). Times are ISO-8601 strings computed by the command's caller.
 */
const ref = {
  serverId: z.string().min(1),
  serverName: z.string().min(1),
  username: z.string().regex(USERNAME),
};

export const OAUTH_SECRET_FIELDS = ['accessToken', 'refreshToken', 'clientSecret', 'codeVerifier'] as const;
export type OAuthSecretField = (typeof OAUTH_SECRET_FIELDS)[number];
export const oauthSecretName = (field: OAuthSecretField): string => `oauth.${field}`;

export const OAuthTokensStored = z.object({
  ...ref,
  /**
   * `api`: a client posted a new grant; `refresh`: a gateway refreshed it (then client fields are kept from
   * before).
   */
  source: z.enum(['api', 'refresh']),
  /** The refresh claim this result completes (source `refresh` only). */
  claimId: z.string().optional(),
  tokenType: z.string().min(1),
  accessToken: SealedSchema,
  refreshToken: SealedSchema.optional(),
  expiresAt: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  clientId: z.string().optional(),
  clientSecret: SealedSchema.optional(),
  redirectUri: z.string().optional(),
  codeVerifier: SealedSchema.optional(),
});

/**
 * A gateway instance took the right to spend the current refresh token until `leaseUntil`.
 * Appended with the stream's expected version, so across instances exactly one wins; the others
 * wait for its OAuthTokensStored instead of sending the (rotating) refresh token a second time.
 */
export const OAuthRefreshStarted = z.object({ ...ref, claimId: z.string().min(1), leaseUntil: z.string() });

/** The claim ended without new tokens. `reauthRequired`: the grant is dead (e.g. invalid_grant). */
export const OAuthRefreshFailed = z.object({
  ...ref,
  claimId: z.string().min(1),
  reauthRequired: z.boolean(),
  reason: z.string(),
});

/** The user disconnected their account (or an admin did): the stored grant is gone. */
export const OAuthTokensDeleted = z.object(ref);

export type OAuthTokensStoredData = z.infer<typeof OAuthTokensStored>;
export type OAuthRefreshStartedData = z.infer<typeof OAuthRefreshStarted>;
export type OAuthRefreshFailedData = z.infer<typeof OAuthRefreshFailed>;

/** One stream per (server registration, user), like secrets: a re-registered server starts without tokens. */
export const oauthStreamId = (serverId: string, username: string): string => `oauth-${serverId}-${username}`;
