import type { ReadModels } from '../../projections/readModels.js';
import type { ServerPool } from '../core/serverPool.js';
import type { McpToolSource } from './sessionServer.js';

/**
 * The endpoint's view of the gateway: every enabled server with the tools its supervisor knows
 * (the same list as GET /mcp/tools), and the one call path (`call`, instrumented like REST calls).
 */
export function gatewayToolSource(
  readModels: () => ReadModels,
  pool: ServerPool,
  call: McpToolSource['call'],
): McpToolSource {
  const enabled = () =>
    [...readModels().servers.values()].filter((v) => v.enabled).sort((a, b) => a.name.localeCompare(b.name));
  return {
    servers: () => enabled().map((v) => ({ name: v.name, tools: pool.snapshot(v.name)?.toolsList ?? [] })),
    call,
    async prepare(username, signal) {
      // Per-user servers that could not list tools without secrets learn them from this user's process.
      const unknown = enabled().filter((v) => {
        const s = v.config.secretDelivery === 'env' ? pool.snapshot(v.name) : undefined;
        return s?.status === 'connected' && s.toolsList.length === 0;
      });
      await Promise.all(
        unknown.map((v) =>
          pool
            .get(v.name)
            ?.toolsFor?.(username, { timeoutMs: v.config.startupTimeout, signal })
            .catch(() => undefined),
        ),
      );
    },
  };
}
