import { readFileSync } from 'node:fs';
import * as z from 'zod';

/** Empty strings (common in .env files) count as unset. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const int = (min: number, max: number, fallback: number) =>
  opt(z.coerce.number().int().min(min).max(max).default(fallback));

/** The sandbox every server process and installer runs in (bubblewrap); spread into ConfigSchema. */
export const SANDBOX_CONFIG = {
  /**
   * `on` (default): bubblewrap sandbox, the gateway refuses to start if it cannot work. `off`: hosts without
   * namespaces.
   */
  SANDBOX: opt(z.enum(['on', 'off']).default('on')),
  /** The bwrap binary; default: bwrap on PATH. */
  SANDBOX_BWRAP: opt(z.string().min(1).optional()),
  /**
   * Defaults per server process (a server's config may set its own): RLIMIT_DATA, RLIMIT_NPROC, RLIMIT_NOFILE,
   * RLIMIT_CPU.
   */
  SANDBOX_MEMORY_MB: int(16, 1_048_576, 2048),
  SANDBOX_PROCESSES: int(1, 100_000, 512),
  SANDBOX_OPEN_FILES: int(16, 1_048_576, 4096),
  /** CPU seconds over a process's whole life; 0 (default): unlimited. */
  SANDBOX_CPU_SECONDS: int(0, 31_536_000, 0),
  /** Size of each process's private /tmp (a tmpfs, in memory). */
  SANDBOX_TMP_MB: int(1, 1_048_576, 256),
  /** Files holding SECRETS_KEY and ADMIN_TOKEN (Docker/Kubernetes secrets), read at start instead of the variables. */
  SECRETS_KEY_FILE: opt(z.string().min(1).optional()),
  /**
   * The HTTP listener: open connections at most (keep it below `ulimit -n`), time to send headers and a whole
   * request.
   */
  HTTP_MAX_CONNECTIONS: int(1, 1_000_000, 4096),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 600_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 3_600_000, 60_000),
  ADMIN_TOKEN_FILE: opt(z.string().min(1).optional()),
};

/** node:http server options from the config: header and request deadlines, checked every second. */
export function listenerOptions(config: {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
}): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  const headersTimeout = Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS);
  return {
    headersTimeout,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: 1000,
  };
}

const FILE_VARIABLES = ['SECRETS_KEY', 'ADMIN_TOKEN'] as const;

/**
 * The environment with SECRETS_KEY and ADMIN_TOKEN read from their `*_FILE`s (one trailing newline
 * dropped). Setting both forms is an error; messages name files, never contents.
 */
export function withSecretFiles(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '')
      throw new Error(`Invalid configuration: set ${name} or ${name}_FILE, not both`);
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      throw new Error(
        `Invalid configuration: ${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: e },
      );
    }
    out[name] = text.replace(/\r?\n$/, '');
  }
  return out;
}
