import * as z from 'zod';
import { SERVER_NAME } from './serverEvents.js';
import { SealedSchema, USERNAME } from './secretEvents.js';

const stateHash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A user began connecting their account at a remote server's authorization server. The `state`
 * is a bearer capability, so only its SHA-256 is recorded; the PKCE verifier is sealed for that
 * user. One stream per state makes it single-use.
 */
export const UpstreamConnectStarted = z.object({
  stateHash,
  username: z.string().regex(USERNAME),
  serverName: z.string().regex(SERVER_NAME),
  serverId: z.string().min(1),
  /** The authorization server (its issuer identifier) the user was sent to: `iss` must match it. */
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  /** RFC 8707 resource indicator sent with the request and the code exchange. */
  resource: z.string().optional(),
  codeVerifier: SealedSchema,
  expiresAt: z.string(),
});

/** The state came back to the callback: it can never be used again. */
export const UpstreamConnectCompleted = z.object({
  stateHash,
  username: z.string().regex(USERNAME),
  serverName: z.string().regex(SERVER_NAME),
});

/**
 * The gateway's client registration at one authorization server, keyed by issuer: every server
 * and user behind that issuer shares it. `clientSecret` (if the server issued one) is sealed.
 */
export const UpstreamClientRegistered = z.object({
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: SealedSchema.optional(),
  redirectUri: z.string().min(1),
  /** `configured`: an admin set it (PUT /auth/upstream/clients) and it wins over the others. */
  method: z.enum(['metadata_document', 'dynamic', 'configured']),
});

export type UpstreamConnectStartedData = z.infer<typeof UpstreamConnectStarted>;
export type UpstreamClientRegisteredData = z.infer<typeof UpstreamClientRegistered>;

export const upstreamConnectStreamId = (stateHash: string): string => `upstream-connect-${stateHash}`;
export const upstreamClientStreamId = (issuerHash: string): string => `upstream-client-${issuerHash}`;
