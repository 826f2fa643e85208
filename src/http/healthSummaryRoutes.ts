import Router from '@koa/router';
import type { Context } from 'koa';
import type { ServerHealth } from '../metrics/serverHealth.js';
import type { AppDeps } from './appDeps.js';
import { principalOf } from './principal.js';

/**
 * GET /health/servers: calls, errors and p50/p95 latency per server, from the same counters as
 * /metrics, for any signed-in caller. A user sees the servers the access policy lets them use at
 * least one tool of (all of them while there are no rules); a server with no tools listed yet
 * counts as visible when the policy would allow its every tool ("*").
 */
export function healthSummaryRoutes(deps: AppDeps): Router {
  const router = new Router();
  const visible = (ctx: Context, name: string): boolean => {
    const principal = principalOf(ctx);
    if (principal?.kind !== 'user') return true;
    const tools = deps.runtime.snapshot(name)?.toolsList ?? [];
    const probe = tools.length > 0 ? tools : [{ name: '*' }];
    return deps.access.filter(principal.username, name, 'tool', probe).length > 0;
  };
  router.get('/health/servers', async (ctx) => {
    const measured = new Map((await (deps.ops.serverHealth?.() ?? [])).map((h) => [h.server, h]));
    const names = [...deps.projector.readModels.servers.keys()].sort((a, b) => a.localeCompare(b));
    ctx.body = {
      success: true,
      servers: names
        .filter((name) => visible(ctx, name))
        .map((name) => {
          const h: ServerHealth = measured.get(name) ?? {
            server: name,
            calls: 0,
            errors: 0,
            p50Ms: null,
            p95Ms: null,
          };
          const live = deps.runtime.snapshot(name);
          return { ...h, status: live?.status ?? 'disconnected', restarts: live?.restarts ?? 0 };
        }),
    };
  });
  return router;
}

/** OpenAPI entries of the console's own read routes. */
export const CONSOLE_ROUTE_DOCS = {
  'GET /health/servers': {
    summary: 'Calls, errors and p50/p95 latency (ms) per server since start, only servers the caller may use',
    tag: 'operations',
    returns: ['servers'],
  },
  'GET /mcp/servers/:name/logs/stream': {
    summary:
      "Follow a server's log lines as server-sent events (log, reset, end); resumes after Last-Event-ID",
    tag: 'servers',
    returns: ['logs'],
  },
} as const;
