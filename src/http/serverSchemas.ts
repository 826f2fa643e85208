import * as z from 'zod';
import { SERVER_NAME } from '../events/serverEvents.js';
import { SECRET_NAME, USERNAME } from '../events/secretEvents.js';

/** Timeouts in ms: at least 100 ms, at most 1 hour. */
const timeoutMs = z.number().int().min(100).max(3_600_000);
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'), z.string().max(32_768));
const args = z.array(z.string().max(32_768)).max(256);

export const serverNameSchema = z
  .string()
  .regex(SERVER_NAME, 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const transportType = z.enum(['stdio', 'streamable_http'], { message: 'transportType must be "stdio"' });

/** POST /mcp/servers. Unknown keys (catalog metadata older clients send) are ignored. */
export const AddServerBody = z.object({
  name: serverNameSchema,
  transportType: transportType.default('stdio'),
  command: z.string().min(1).max(4096),
  args: args.default([]),
  env: envMap.default({}),
  cwd: z.string().min(1).max(4096).optional(),
  enabled: z.boolean().default(true),
  secretNames: z.array(z.string().regex(SECRET_NAME)).max(256).optional(),
  timeout: timeoutMs.optional(),
  startupTimeout: timeoutMs.optional(),
});

/** PUT /mcp/servers/:name. Every field optional; only those present change. */
export const UpdateServerBody = z.object({
  transportType: transportType.optional(),
  command: z.string().min(1).max(4096).optional(),
  args: args.optional(),
  env: envMap.optional(),
  cwd: z.string().min(1).max(4096).optional(),
  enabled: z.boolean().optional(),
  secretNames: z.array(z.string().regex(SECRET_NAME)).max(256).nullable().optional(),
  timeout: timeoutMs.optional(),
  startupTimeout: timeoutMs.optional(),
});

export const usernameSchema = z.string().regex(USERNAME, 'usernames are 1-128 letters, digits or . _ @ + -');
/** Absent: the token's own user (or "default" for an admin), resolved by `actingUsername`. */
const username = usernameSchema.optional();

export const ToolCallBody = z.object({
  username,
  serverName: serverNameSchema,
  methodName: z.string().min(1).max(256),
  args: z.record(z.string(), z.unknown()).default({}),
});

export const SetSecretBody = z.object({
  username,
  serverName: serverNameSchema,
  secretName: z.string().regex(SECRET_NAME, 'secret names are letters, digits, _ . - (not starting with a digit)'),
  // The size limit is configuration (MAX_SECRET_VALUE_BYTES), checked by the route.
  secretValue: z.string().min(1, 'secretValue must not be empty'),
});

export const DeleteSecretBody = SetSecretBody.omit({ secretValue: true });
