import type { StdioTransport } from '../../events/serverEvents.js';
import { buildChildEnv } from './childEnv.js';
import type { ProcessRegistry } from './processRegistry.js';
import { StdioConnection } from './stdioConnection.js';
import type { ToolDescriptor, UpstreamIdentity } from '../core/types.js';

export interface DiscoveryOptions {
  readonly transport: StdioTransport;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly startupTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly registry?: ProcessRegistry | undefined;
  readonly identity: UpstreamIdentity;
  readonly log: (line: string) => void;
}

/** A discovery run that can be cut short (the server was stopped meanwhile). */
export interface Discovery {
  readonly tools: Promise<ToolDescriptor[]>;
  cancel(): Promise<void>;
}

/**
 * Lists a per-user server's tools once, from a process started with the configured environment
 * only (no user's secrets), then stops it. Servers that refuse to start without credentials fail
 * here; their tools are then learned from the first user's own process.
 */
export function discoverTools(options: DiscoveryOptions): Discovery {
  const { transport: cfg } = options;
  const conn = new StdioConnection(
    {
      command: cfg.command,
      args: cfg.args,
      env: buildChildEnv(options.parentEnv, cfg.env),
      cwd: cfg.cwd,
      graceMs: options.shutdownGraceMs,
      registry: options.registry,
    },
    options.identity,
    {
      onStderrLine: (line) => options.log(`[discovery] ${line}`),
      onSpawn: () => undefined,
      onLost: () => undefined,
      onToolsChanged: () => undefined,
      onTruncatedList: (reason) => options.log(`[discovery] ${reason}`),
      onProtocolError: () => undefined,
    },
  );
  const tools = conn.open(options.startupTimeoutMs).finally(() => conn.close().catch(() => undefined));
  return { tools, cancel: () => conn.close() };
}
