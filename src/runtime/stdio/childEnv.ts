import type { StdioTransport } from '../../events/serverEvents.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import type { ProcessRegistry } from './processRegistry.js';
import type { StdioProcessOptions } from './stdioProcessTransport.js';

/**
 * The environment a child MCP server gets: a short allow-list from the gateway's own environment
 * (enough to find binaries, locales and CA bundles) plus its configured env. Anything else the
 * gateway holds (SECRETS_KEY, MONGO_*, ADMIN_TOKEN, cloud credentials) never reaches a child.
 */
export const INHERITED_ENV_VARS: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'SYSTEMROOT',
]);

export function buildChildEnv(
  parent: NodeJS.ProcessEnv,
  configured: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = parent[key];
    // Values starting with "()" are exported shell functions (Shellshock vector), never needed by a server.
    if (value === undefined || value.startsWith('()')) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(configured)) env[key] = value;
  return env;
}

/** How a supervisor spawns its server: the configured command in the child environment above. */
export function spawnOptionsOf(o: {
  readonly transport: StdioTransport;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly shutdownGraceMs: number;
  readonly registry?: ProcessRegistry | undefined;
  readonly sandbox?: SpawnWrapper | undefined;
  readonly maxMessageBytes?: number | undefined;
}): StdioProcessOptions {
  const cfg = o.transport;
  return {
    command: cfg.command,
    args: cfg.args,
    env: buildChildEnv(o.parentEnv, cfg.env),
    cwd: cfg.cwd,
    graceMs: o.shutdownGraceMs,
    registry: o.registry,
    sandbox: o.sandbox,
    ...(o.maxMessageBytes === undefined ? {} : { maxMessageBytes: o.maxMessageBytes }),
  };
}
