import * as z from 'zod';
import { SERVER_NAME } from '../events/serverEvents.js';
import { SECRET_NAME, USERNAME } from '../events/secretEvents.js';
import { staticUrlProblem } from '../net/urlSafety.js';

/** Timeouts in ms: at least 100 ms, at most 1 hour. */
const timeoutMs = z.number().int().min(100).max(3_600_000);
const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'),
  z.string().max(32_768),
);
const args = z.array(z.string().max(32_768)).max(256);

export const serverNameSchema = z
  .string()
  .regex(SERVER_NAME, 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const secretDelivery = z.enum(['args', 'env'], { message: 'secretDelivery must be "args" or "env"' });
const toolApproval = z.enum(['auto', 'manual'], { message: 'toolApproval must be "auto" or "manual"' });
const transportType = z.enum(['stdio', 'streamable_http'], {
  message: 'transportType must be "stdio" or "streamable_http"',
});

/** Headers the SDK transport sets itself; a static value would break sessions or framing. */
const RESERVED_HEADERS = new Set([
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'content-type',
  'content-length',
  'accept',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

const headers = z
  .record(
    z.string(),
    z
      .string()
      .max(8192)
      .regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
  )
  .superRefine((h, ctx) => {
    const names = Object.keys(h);
    if (names.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 headers' });
    const seen = new Set<string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
      else if (RESERVED_HEADERS.has(lower))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is set by the gateway and cannot be configured',
        });
      if (seen.has(lower))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is given twice (header names are case-insensitive)',
        });
      seen.add(lower);
    }
  });

const remoteUrl = z
  .string()
  .max(4096)
  .superRefine((value, ctx) => {
    const problem = staticUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `url ${problem}` });
  });

const reconnectionOptions = z.strictObject({
  maxReconnectionDelay: z.number().int().min(0).max(3_600_000).optional(),
  initialReconnectionDelay: z.number().int().min(0).max(3_600_000).optional(),
  reconnectionDelayGrowFactor: z.number().min(1).max(10).optional(),
  maxRetries: z.number().int().min(0).max(1000).optional(),
});

/** A server's sandbox: network "none" unshares the network; limits per process; extra binds are absolute host paths. */
const sandboxSchema = z.strictObject({
  network: z.enum(['host', 'none'], { message: 'sandbox.network must be "host" or "none"' }).optional(),
  limits: z
    .strictObject({
      memoryMb: z.number().int().min(16).max(1_048_576).optional(),
      processes: z.number().int().min(1).max(100_000).optional(),
      openFiles: z.number().int().min(16).max(1_048_576).optional(),
      cpuSeconds: z.number().int().min(1).max(31_536_000).optional(),
    })
    .optional(),
  binds: z
    .array(
      z.strictObject({
        path: z
          .string()
          .max(4096)
          .regex(/^\/[^\0]*$/, 'bind paths are absolute')
          .refine(
            (p) => p !== '/' && !p.split('/').includes('..'),
            'bind paths name a directory below / without ".."',
          ),
        writable: z.boolean().default(false),
      }),
    )
    .max(32)
    .optional(),
});

/** Names an admin explicitly lets an env-delivery server receive although they can make it load code. */
const unsafeEnvNames = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'))
  .max(64);

/** A session id is runtime state the gateway records and resumes itself; a client cannot plant one. */
const noSessionId = z
  .unknown()
  .refine((v) => v === undefined, 'sessionId is runtime state recorded by the gateway and cannot be set')
  .optional();

/**
 * POST /mcp/servers. Unknown keys (catalog metadata older clients send) are ignored. For
 * streamable_http, command/args/env/cwd are ignored as the reference README says.
 */
export const AddServerBody = z
  .object({
    name: serverNameSchema,
    transportType: transportType.default('stdio'),
    command: z.string().min(1).max(4096).optional(),
    args: args.default([]),
    env: envMap.default({}),
    cwd: z.string().min(1).max(4096).optional(),
    url: remoteUrl.optional(),
    headers: headers.default({}),
    reconnectionOptions: reconnectionOptions.optional(),
    sessionId: noSessionId,
    enabled: z.boolean().default(true),
    secretNames: z.array(z.string().regex(SECRET_NAME)).max(256).optional(),
    timeout: timeoutMs.optional(),
    startupTimeout: timeoutMs.optional(),
    secretDelivery: secretDelivery.default('args'),
    sandbox: sandboxSchema.optional(),
    allowUnsafeEnvNames: unsafeEnvNames.optional(),
    toolApproval: toolApproval.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.transportType === 'stdio' && body.command === undefined)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'command is required for stdio servers' });
    if (body.transportType === 'streamable_http' && body.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'url is required for streamable_http servers' });
    }
    if (body.transportType !== 'stdio' && body.secretDelivery === 'env') {
      ctx.addIssue({
        code: 'custom',
        path: ['secretDelivery'],
        message: 'secretDelivery "env" needs a stdio server (one process per user)',
      });
    }
  });

/** PUT /mcp/servers/:name. Every field optional; only those present change. */
export const UpdateServerBody = z.object({
  transportType: transportType.optional(),
  command: z.string().min(1).max(4096).optional(),
  args: args.optional(),
  env: envMap.optional(),
  cwd: z.string().min(1).max(4096).optional(),
  url: remoteUrl.optional(),
  headers: headers.optional(),
  reconnectionOptions: reconnectionOptions.nullable().optional(),
  sessionId: noSessionId,
  enabled: z.boolean().optional(),
  secretNames: z.array(z.string().regex(SECRET_NAME)).max(256).nullable().optional(),
  timeout: timeoutMs.optional(),
  startupTimeout: timeoutMs.optional(),
  secretDelivery: secretDelivery.optional(),
  /** Replaces the whole sandbox setting; null resets it to the defaults. */
  sandbox: sandboxSchema.nullable().optional(),
  allowUnsafeEnvNames: unsafeEnvNames.nullable().optional(),
  toolApproval: toolApproval.optional(),
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
  secretName: z
    .string()
    .regex(SECRET_NAME, 'secret names are letters, digits, _ . - (not starting with a digit)'),
  // The size limit is configuration (MAX_SECRET_VALUE_BYTES), checked by the route.
  secretValue: z.string().min(1, 'secretValue must not be empty'),
});

export const DeleteSecretBody = SetSecretBody.omit({ secretValue: true });

const secretField = z.string().min(1).max(16_384);

/** POST /mcp/servers/:name/oauth: the grant a client obtained through the OAuth flow. */
export const OAuthTokensBody = z
  .object({
    username,
    tokenType: z
      .string()
      .regex(/^bearer$/i, 'only Bearer tokens are supported')
      .default('Bearer'),
    accessToken: secretField,
    refreshToken: secretField.optional(),
    /** Seconds, as in an OAuth token response. */
    expiresIn: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 24 * 3600)
      .optional(),
    scopes: z.array(z.string().min(1).max(256)).max(100).optional(),
    clientId: z.string().min(1).max(2048).optional(),
    clientSecret: secretField.optional(),
    redirectUri: z
      .url({ protocol: /^https?$/ })
      .max(4096)
      .optional(),
    codeVerifier: secretField.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.refreshToken !== undefined && body.clientId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message: 'clientId is required with a refreshToken (the refresh grant sends it)',
      });
    }
  });
