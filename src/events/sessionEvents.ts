import * as z from 'zod';

/**
 * The MCP session id a remote connection holds, persisted so a restarted gateway resumes it.
 * `connection` is SHARED_CONNECTION for the server's shared connection, or the username of a
 * per-user (OAuth) connection. `sessionId: null` records that the session was dropped (404,
 * terminated). `url` is the endpoint the session belongs to: a session is never resumed elsewhere.
 */
export const SHARED_CONNECTION = '@shared';

export const SessionIdChanged = z.object({
  serverId: z.string().min(1),
  serverName: z.string().min(1),
  connection: z.string().min(1),
  url: z.string().min(1),
  sessionId: z.string().min(1).nullable(),
  protocolVersion: z.string().optional(),
});
export type SessionIdChangedData = z.infer<typeof SessionIdChanged>;

/**
 * What an upstream connection negotiated (after a server/discover probe, or its initialize
 * fallback), on the same stream as its session: a restart reconnects on this verdict without a
 * probe. `target` names what was asked (the URL, or a hash of the stdio command line): a verdict
 * is never reused for another one. `discover` is the server's own advertisement (modern era only).
 */
export const UpstreamNegotiated = z.object({
  serverId: z.string().min(1),
  serverName: z.string().min(1),
  connection: z.string().min(1),
  target: z.string().min(1),
  era: z.enum(['modern', 'legacy']),
  protocolVersion: z.string().min(1),
  discover: z.record(z.string(), z.unknown()).optional(),
  transport: z.enum(['stdio', 'streamable_http', 'sse']).optional(),
});
export type UpstreamNegotiatedData = z.infer<typeof UpstreamNegotiated>;

export const sessionStreamId = (serverId: string, connection: string): string => `session-${serverId}-${connection}`;
