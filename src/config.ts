import { join, resolve } from 'node:path';
import * as z from 'zod';
import { createUrlPolicy, parseNetworkList } from './net/urlSafety.js';
import { indexUrlProblem } from './packages/validation.js';
import { SANDBOX_CONFIG } from './sandboxConfig.js';
import { SECURITY_CONFIG } from './securityConfig.js';
import { OBSERVABILITY_CONFIG } from './observabilityConfig.js';

/** Empty strings (common in .env files) count as unset. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const int = (min: number, max: number, fallback: number) =>
  opt(z.coerce.number().int().min(min).max(max).default(fallback));

const indexUrl = z
  .string()
  .refine((v) => indexUrlProblem(v) === undefined, { message: 'must be an http(s) URL without credentials' });

/** Every setting the gateway reads from its environment, validated in one place. */
export const ConfigSchema = z.object({
  PORT: int(0, 65_535, 8080),
  /** Loopback by default: exposing the gateway is an explicit choice. */
  HOST: opt(z.string().min(1).default('127.0.0.1')),
  DATA_DIR: opt(z.string().min(1).default('./data')),
  // Not `opt`: an explicitly empty key is refused, not silently replaced by a generated one.
  SECRETS_KEY: z.string().optional(),
  SECRETS_KEYS: opt(z.string().optional()),
  LOG_LEVEL: opt(z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  BODY_LIMIT: opt(
    z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'use a size such as 512kb or 1mb')
      .default('1mb'),
  ),
  TOOL_TIMEOUT_MS: int(100, 3_600_000, 60_000),
  STARTUP_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  SHUTDOWN_GRACE_MS: int(0, 60_000, 2_000),
  /** On SIGTERM: how long in-flight HTTP requests may take to finish before their connections are closed. */
  DRAIN_TIMEOUT_MS: int(0, 600_000, 10_000),
  /** Servers starting (spawn to connected) at once; the rest queue. */
  SERVER_START_CONCURRENCY: int(1, 1_000, 8),
  SERVER_LOG_LINES: int(1, 10_000, 200),
  /** One message from a server (stdio or remote) larger than this fails its call with 502 result_too_large. */
  MAX_MESSAGE_BYTES: int(1_024, 1_073_741_824, 10 * 1024 * 1024),
  RESTART_INITIAL_DELAY_MS: int(1, 600_000, 500),
  RESTART_MAX_DELAY_MS: int(1, 3_600_000, 30_000),
  CRASH_LOOP_THRESHOLD: int(1, 1000, 5),
  CRASH_LOOP_WINDOW_MS: int(1, 86_400_000, 60_000),
  /** An open crash-loop breaker tries one run after this long (half-open); 0: stay open until an admin acts. */
  CRASH_LOOP_COOLDOWN_MS: int(0, 86_400_000, 300_000),
  /** Servers with secretDelivery "env": per-user processes. */
  PER_USER_IDLE_TIMEOUT_MS: int(1_000, 86_400_000, 600_000),
  PER_USER_MAX_PROCESSES_PER_SERVER: int(1, 10_000, 20),
  PER_USER_MAX_PROCESSES: int(1, 100_000, 100),
  /** The gateway's own MCP endpoint (/mcp). */
  MCP_MAX_SESSIONS_PER_USER: int(1, 10_000, 10),
  MCP_SESSION_IDLE_TIMEOUT_MS: int(1_000, 86_400_000, 1_800_000),
  MCP_MAX_CONCURRENT_CALLS_PER_SESSION: int(1, 10_000, 16),
  /** Private ranges remote servers and OAuth endpoints may reach: `loopback`, `private`, addresses or CIDRs. */
  OUTBOUND_ALLOW_NETWORKS: opt(z.string().optional()).superRefine(networkList),
  /** Networks never reached, even if public. */
  OUTBOUND_DENY_NETWORKS: opt(z.string().optional()).superRefine(networkList),
  REMOTE_IDLE_TIMEOUT_MS: int(1_000, 86_400_000, 600_000),
  OAUTH_REQUEST_TIMEOUT_MS: int(100, 120_000, 10_000),
  // Package management (POST /packages/install and friends).
  /** Default: <DATA_DIR>/packages, so gateways with different DATA_DIRs never share install directories. */
  PACKAGES_DIR: opt(z.string().min(1).optional()),
  /** Default: <PACKAGES_DIR>/python. */
  PYTHON_VENV_DIR: opt(z.string().min(1).optional()),
  PYTHON_BIN: opt(z.string().min(1).default('python3')),
  NPM_BIN: opt(z.string().min(1).default('npm')),
  NPM_REGISTRY: opt(indexUrl.optional()),
  PIP_INDEX_URL: opt(indexUrl.optional()),
  PIP_EXTRA_INDEX_URL: opt(indexUrl.optional()),
  PACKAGE_INSTALL_TIMEOUT_MS: int(1000, 3_600_000, 600_000),
  PACKAGE_CHECK_TIMEOUT_MS: int(100, 300_000, 15_000),
  /** file (default) | mongo (default when MONGO_URL or MONGO_HOST is set) | memory (throwaway). */
  EVENT_STORE: opt(z.enum(['file', 'mongo', 'memory']).optional()),
  /** File store: start although the log is shorter than its checkpoint or projection snapshot, accepting the loss. */
  EVENT_LOG_ACCEPT_SHORTER: opt(z.enum(['true', 'false']).default('false')).transform((v) => v === 'true'),
  /** File store: a new segment file starts before one would grow past this many MiB. */
  EVENT_LOG_SEGMENT_MB: int(1, 1_048_576, 256),
  MONGO_URL: opt(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URL')
      .optional(),
  ),
  MONGO_HOST: opt(
    z
      .string()
      .regex(
        /^[A-Za-z0-9.\-[\]:]+(,[A-Za-z0-9.\-[\]:]+)*$/,
        'use host:port or a comma-separated list of them',
      )
      .optional(),
  ),
  MONGO_USER: opt(z.string().optional()),
  MONGO_PASS: opt(z.string().optional()),
  MONGO_DBNAME: opt(
    z
      .string()
      .regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'not a valid MongoDB database name')
      .default('mcp'),
  ),
  MONGO_REPLICA_SET: opt(z.string().min(1).optional()),
  MONGO_AUTH_SOURCE: opt(z.string().min(1).optional()),
  /** Collection of per-user data keys (the reference README's SECRETS_DBNAME), apart from the events. */
  SECRETS_DBNAME: opt(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only')
      .default('secrets'),
  ),
  ...SECURITY_CONFIG,
  ...OBSERVABILITY_CONFIG,
  ...SANDBOX_CONFIG,
});
function networkList(value: string | undefined, ctx: z.RefinementCtx): void {
  try {
    createUrlPolicy({ allow: parseNetworkList(value) });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
}

/** PACKAGES_DIR (default <DATA_DIR>/packages) and PYTHON_VENV_DIR (default <PACKAGES_DIR>/python), resolved. */
export type Config = z.infer<typeof ConfigSchema> & { PACKAGES_DIR: string; PYTHON_VENV_DIR: string };

/** Throws one error listing every bad variable by name (never by value: some are secrets). */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const dataDir = resolve(result.data.DATA_DIR);
  const packagesDir = resolve(result.data.PACKAGES_DIR ?? join(dataDir, 'packages'));
  const config = {
    ...result.data,
    DATA_DIR: dataDir,
    PACKAGES_DIR: packagesDir,
    PYTHON_VENV_DIR: resolve(result.data.PYTHON_VENV_DIR ?? `${packagesDir}/python`),
  };
  const problems = [...storeProblems(config), ...identityProblems(config)];
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}

export type EventStoreKind = 'file' | 'mongo' | 'memory';

/** EVENT_STORE wins; otherwise MongoDB as soon as it is configured, else the embedded file store. */
export function eventStoreKind(config: Config): EventStoreKind {
  return config.EVENT_STORE ?? (config.MONGO_URL || config.MONGO_HOST ? 'mongo' : 'file');
}

/** An identity provider needs its client id, and a public URL for its redirect back to the gateway. */
function identityProblems(config: Config): string[] {
  if (!config.OIDC_ISSUER) return config.OIDC_CLIENT_ID ? ['OIDC_CLIENT_ID: set OIDC_ISSUER too'] : [];
  const problems: string[] = [];
  if (!config.OIDC_CLIENT_ID) problems.push('OIDC_ISSUER: set OIDC_CLIENT_ID too');
  if (!config.PUBLIC_URL)
    problems.push(
      'OIDC_ISSUER: set PUBLIC_URL too (the identity provider redirects to <PUBLIC_URL>/auth/oidc/callback)',
    );
  return problems;
}

function storeProblems(config: Config): string[] {
  if (eventStoreKind(config) !== 'mongo') return [];
  const problems: string[] = [];
  if (!config.MONGO_URL && !config.MONGO_HOST)
    problems.push('EVENT_STORE: mongo needs MONGO_URL or MONGO_HOST');
  if (config.MONGO_PASS !== undefined && config.MONGO_USER === undefined)
    problems.push('MONGO_PASS: set MONGO_USER too');
  // Every instance must open every other instance's ciphertext; a key file generated into one
  // instance's DATA_DIR would silently differ per instance.
  if (config.SECRETS_KEY === undefined && !config.SECRETS_KEYS) {
    problems.push(
      'SECRETS_KEY: required with the MongoDB store (all instances must share it; set SECRETS_KEY or SECRETS_KEYS)',
    );
  }
  return problems;
}
