import * as z from 'zod';

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

export const ServerConfigSchema = z.object({
  transport: StdioTransportSchema,
  /** If present, only these secret names are injected into this server's tool calls. */
  secretNames: z.array(z.string()).optional(),
  /** Per-call timeout in ms. */
  timeout: z.number().int().positive(),
  /** Time allowed for spawn + initialize + tools/list, in ms. */
  startupTimeout: z.number().int().positive(),
  /**
   * How a user's secrets reach the server. Absent means "args": one shared process, secrets merged
   * into tool arguments. "env": one process per (server, user) with that user's secrets in its
   * environment. Stored only when "env", so older events and args servers look the same.
   */
  secretDelivery: z.enum(['args', 'env']).optional(),
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
