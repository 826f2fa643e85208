import * as z from 'zod';
import { SandboxConfigSchema } from './sandboxConfig.js';
import { SealedSchema } from './secretEvents.js';

/** Names double as stream-id parts and URL segments, so they are kept to a safe alphabet. */
export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const StdioTransportSchema = z.object({
  transportType: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  cwd: z.string().optional(),
});
export type StdioTransport = z.infer<typeof StdioTransportSchema>;

/** The SDK's SSE reconnection settings; absent fields take the SDK defaults at connect time. */
export const ReconnectionOptionsSchema = z.object({
  maxReconnectionDelay: z.number().int().min(0).optional(),
  initialReconnectionDelay: z.number().int().min(0).optional(),
  reconnectionDelayGrowFactor: z.number().min(1).optional(),
  maxRetries: z.number().int().min(0).optional(),
});
export type ReconnectionOptions = z.infer<typeof ReconnectionOptionsSchema>;

export const StreamableHttpTransportSchema = z.object({
  transportType: z.literal('streamable_http'),
  url: z.string().min(1),
  /** Static headers that do not look like credentials, stored as given. */
  headers: z.record(z.string(), z.string()),
  /**
   * Credential-looking headers (Authorization, X-Api-Key, ...), sealed with the SecretBox under
   * SERVER_HEADER_USER / `header:<lower-case name>`: the event log never holds them in clear.
   */
  sealedHeaders: z.record(z.string(), SealedSchema).optional(),
  reconnectionOptions: ReconnectionOptionsSchema.optional(),
});
export type StreamableHttpTransport = z.infer<typeof StreamableHttpTransportSchema>;

export const TransportSchema = z.discriminatedUnion('transportType', [
  StdioTransportSchema,
  StreamableHttpTransportSchema,
]);
export type Transport = z.infer<typeof TransportSchema>;
export type TransportType = Transport['transportType'];

/** The SecretContext username of sealed server headers: no real username can start with "@". */
export const SERVER_HEADER_USER = '@server';
export const headerSecretName = (header: string): string => `header:${header.toLowerCase()}`;

export const ServerConfigSchema = z.object({
  transport: TransportSchema,
  /** If present, only these secret names are injected into this server's tool calls. */
  secretNames: z.array(z.string()).optional(),
  /** Per-call timeout in ms. */
  timeout: z.number().int().positive(),
  /** Time allowed for spawn (or connect) + initialize + tools/list, in ms. */
  startupTimeout: z.number().int().positive(),
  /**
   * How a user's secrets reach the server. Absent means "args": one shared process, secrets merged
   * into tool arguments. "env": one process per (server, user) with that user's secrets in its
   * environment. Stored only when "env", so older events and args servers look the same.
   */
  secretDelivery: z.enum(['args', 'env']).optional(),
  /** Network, limits and extra binds of this server's sandbox; stored only when set. */
  sandbox: SandboxConfigSchema.optional(),
  /** secretDelivery "env": declared names an admin explicitly allowed although they can make a runtime load code. */
  allowUnsafeEnvNames: z.array(z.string()).optional(),
  /**
   * Tool pinning (issue 14): "auto" approves every change of the server's own catalogue as it is seen
   * (still recorded); absent or "manual" holds it for an admin. Stored only when "auto".
   */
  toolApproval: z.enum(['auto', 'manual']).optional(),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

const ids = { serverId: z.string().min(1), name: z.string().regex(SERVER_NAME) };

export const ServerRegistered = z.object({ ...ids, config: ServerConfigSchema, enabled: z.boolean() });
export const ServerUpdated = z.object({ ...ids, config: ServerConfigSchema });
export const ServerEnabled = z.object(ids);
export const ServerDisabled = z.object(ids);
export const ServerRemoved = z.object(ids);

export type ServerRegisteredData = z.infer<typeof ServerRegistered>;
export type ServerUpdatedData = z.infer<typeof ServerUpdated>;
export type ServerRefData = z.infer<typeof ServerEnabled>;

export const serverStreamId = (name: string): string => `server-${name}`;
