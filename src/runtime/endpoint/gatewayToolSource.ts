import type { ReadModels } from '../../projections/readModels.js';
import type { ServerPool } from '../core/serverPool.js';
import type { McpToolSource } from './sessionServer.js';
import type { Access } from '../../policy/access.js';

/**
 * The endpoint's view of the gateway: every enabled server with the tools its supervisor knows
 * (the same list as GET /mcp/tools), and the one call path (`call`, instrumented like REST calls).
 */
export function gatewayToolSource(
  readModels: () => ReadModels,
  pool: ServerPool,
  call: McpToolSource['call'],
  access?: Access,
): McpToolSource {
  const enabled = () =>
    [...readModels().servers.values()].filter((v) => v.enabled).sort((a, b) => a.name.localeCompare(b.name));
  return {
    // Access-policy hook: each user's list holds only the tools the policy lets them use.
    servers: (username) =>
      enabled().map((v) => {
        const tools = pool.snapshot(v.name)?.toolsList ?? [];
        return {
          name: v.name,
          tools: access && username !== undefined ? access.filter(username, v.name, 'tool', tools) : tools,
        };
      }),
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
