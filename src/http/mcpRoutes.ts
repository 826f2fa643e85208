import Router from '@koa/router';
import type { Context } from 'koa';
import * as z from 'zod';
import { USERNAME } from '../events/secretEvents.js';
import type { McpPrincipal } from '../runtime/mcpEndpoint/sessionServer.js';
import type { AppDeps } from './appDeps.js';
import { serverNameSchema } from './serverSchemas.js';
import { parseInput } from './validate.js';

/** Repeated query parameters (`?servers=a&servers=b`) and comma lists (`?servers=a,b`) both work. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)),
    z.array(item).min(1).max(256).optional(),
  );

export const McpQuery = z.object({
  /** Who the endpoint acts for when no token says it (also `X-MCP-Username`). */
  username: z.string().regex(USERNAME, 'usernames are 1-128 letters, digits or . _ @ + -').optional(),
  servers: list(serverNameSchema),
  tools: list(z.string().min(1).max(512)),
  mode: z.enum(['stateful', 'stateless'], { message: 'mode must be "stateful" or "stateless"' }).default('stateful'),
});

export const MCP_QUERY_DOCS = {
  username: 'User to act as (without authentication); also the X-MCP-Username header; default "default"',
  servers: 'Only these servers (comma-separated); fixed for a session when it is opened',
  tools: 'Only these tools, by their exposed <server>__<tool> names (comma-separated)',
  mode: '"stateful" (default: sessions, SSE, list_changed) or "stateless" (each POST alone, JSON answers)',
};

/**
 * Who a /mcp request acts as. Until authentication exists, anyone may name a user; the session is
 * still bound to that name, so a session id cannot be used to act for another user.
 */
function principalFor(ctx: Context, requested: string | undefined): McpPrincipal {
  const username = requested ?? 'default';
  return { username, subject: `anonymous:${username}` };
}

/**
 * The gateway's own MCP endpoint (Streamable HTTP). This route only decides who calls and what
 * they see; the MCP protocol is handled in src/runtime/mcpEndpoint, which writes the response
 * itself (SSE streams stay open past this handler).
 */
export function mcpRoutes(deps: AppDeps): Router {
  const router = new Router();
  const handler = async (ctx: Context): Promise<void> => {
    const query = parseInput(McpQuery, ctx.query, 'MCP endpoint query');
    const header = ctx.get('x-mcp-username') || undefined;
    const requested = query.username ?? (header === undefined ? undefined : parseInput(McpQuery.shape.username, header, 'X-MCP-Username header'));
    const principal = principalFor(ctx, requested);
    const filter = {
      servers: query.servers ? new Set(query.servers) : undefined,
      tools: query.tools ? new Set(query.tools) : undefined,
    };
    ctx.status = 200;
    ctx.respond = false;
    await deps.mcp.handle(ctx.req, ctx.res, {
      principal,
      filter,
      stateless: query.mode === 'stateless',
      body: ctx.method === 'POST' ? ctx.request.body : undefined,
    });
  };
  router.post('/mcp', handler);
  router.get('/mcp', handler);
  router.delete('/mcp', handler);
  return router;
}
