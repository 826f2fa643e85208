import Router from '@koa/router';
import type { Context } from 'koa';
import * as z from 'zod';
import { USERNAME } from '../events/secretEvents.js';
import type { McpAccess, McpPrincipal } from '../runtime/endpoint/access.js';
import type { AppDeps } from './appDeps.js';
import { actingUsername, principalOf } from './principal.js';
import { serverNameSchema } from './serverSchemas.js';
import { AppError, notFound } from '../errors.js';
import { callerOf } from './callerInfo.js';
import { parseInput } from './validate.js';

/** Repeated query parameters (`?servers=a&servers=b`) and comma lists (`?servers=a,b`) both work. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v])
            .flatMap((s) => String(s).split(','))
            .map((s) => s.trim())
            .filter(Boolean),
    z.array(item).min(1).max(256).optional(),
  );

export const McpQuery = z.object({
  /** Who an admin token (or AUTH=none) acts for (also `X-MCP-Username`); a user token may only name itself. */
  username: z.string().regex(USERNAME, 'usernames are 1-128 letters, digits or . _ @ + -').optional(),
  servers: list(serverNameSchema),
  tools: list(z.string().min(1).max(512)),
  mode: z
    .enum(['stateful', 'stateless'], { message: 'mode must be "stateful" or "stateless"' })
    .default('stateful'),
});

export const MCP_QUERY_DOCS = {
  username:
    'User an admin token acts as (a user token acts as its own user); also the X-MCP-Username header; default ' +
    '"default"',
  servers: 'Only these servers (comma-separated); fixed for a session when it is opened',
  tools: 'Only these tools, by their exposed <server>__<tool> names (comma-separated)',
  mode: '"stateful" (default: sessions, SSE, list_changed) or "stateless" (each POST alone, JSON answers)',
};

/**
 * Who a /mcp request acts as, and who it is (`subject`, the key a session is bound to). A user
 * token acts as its user (naming another is 403); an admin token, or AUTH=none, as the named user.
 * A session opened with one subject is refused to every other: user B's token with user A's
 * session id, or an admin acting as A with a session a user token opened.
 */
function principalFor(ctx: Context, requested: string | undefined): McpPrincipal {
  const principal = principalOf(ctx);
  const username = actingUsername(principal, requested);
  return {
    username,
    subject: principal?.kind === 'user' ? `user:${principal.username}` : `admin:${username}`,
  };
}

/**
 * The same per-user call rate limit as POST /mcp/tool/call (resource reads, prompt gets and completions
 * count too); a refused tool call becomes an isError result, a refused read a JSON-RPC error.
 */
function admitToolCall(deps: AppDeps, username: string, what = 'tool calls'): void {
  const limited = deps.security.toolCalls.take(username);
  if (limited.ok) return;
  const seconds = Math.max(1, Math.ceil(limited.retryAfterMs / 1000));
  throw new AppError('rate_limited', `Too many ${what} for this user; retry in ${seconds} s`, {
    retryAfterSeconds: seconds,
  });
}

/**
 * The access decision for one /mcp request, made here once, before any MCP parsing, from the token
 * (already authenticated by the auth middleware), the acting user and the query: the protocol era
 * a request turns out to speak never reaches this code, so no version header can change it.
 */
export function mcpAccess(ctx: Context, deps: AppDeps, query: z.infer<typeof McpQuery>): McpAccess {
  const header = ctx.get('x-mcp-username') || undefined;
  const requested =
    query.username ??
    (header === undefined ? undefined : parseInput(McpQuery.shape.username, header, 'X-MCP-Username header'));
  return {
    principal: principalFor(ctx, requested),
    filter: {
      servers: query.servers ? new Set(query.servers) : undefined,
      tools: query.tools ? new Set(query.tools) : undefined,
    },
    admitCall: (username, what) => admitToolCall(deps, username, what),
    caller: callerOf(ctx, 'mcp'),
  };
}

/**
 * The gateway's own MCP endpoint (Streamable HTTP, both protocol eras on this one URL). This route
 * only decides who calls and what they see; the protocol is handled in src/runtime/endpoint,
 * which writes the response itself (SSE streams stay open past this handler).
 */
export function mcpRoutes(deps: AppDeps): Router {
  const router = new Router();
  // A client sends the same query on every POST of its session: parse each distinct one once.
  const queries = new Map<string, z.infer<typeof McpQuery>>();
  const parseQuery = (ctx: Context): z.infer<typeof McpQuery> => {
    let query = queries.get(ctx.querystring);
    if (!query) {
      query = parseInput(McpQuery, ctx.query, 'MCP endpoint query');
      if (queries.size >= 256) queries.clear();
      queries.set(ctx.querystring, query);
    }
    return query;
  };
  const handler = async (ctx: Context): Promise<void> => {
    const query = parseQuery(ctx);
    const access = mcpAccess(ctx, deps, query);
    const stateless = query.mode === 'stateless';
    // Koa leaves the reason phrase of the status it last set on res; the SDK picks its own status, so
    // clear it, or a 400 goes out as "400 OK".
    ctx.respond = false;
    ctx.res.statusMessage = '';
    await deps.mcp.handle(ctx.req, ctx.res, {
      access,
      stateless,
      body: ctx.method === 'POST' ? ctx.request.body : undefined,
    });
  };
  router.post('/mcp', handler);
  router.get('/mcp', handler);
  router.delete('/mcp', handler);

  // One server's own endpoint: original names and URIs, the same authentication, secrets and policy.
  const single = async (ctx: Context): Promise<void> => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const view = deps.projector.readModels.servers.get(name);
    if (!view) throw notFound(name);
    const query = parseQuery(ctx);
    const base = mcpAccess(ctx, deps, query);
    const access = { ...base, filter: { servers: new Set([name]), tools: base.filter.tools, single: name } };
    ctx.respond = false;
    ctx.res.statusMessage = '';
    await deps.mcp.handle(ctx.req, ctx.res, {
      access,
      stateless: query.mode === 'stateless',
      body: ctx.method === 'POST' ? ctx.request.body : undefined,
    });
  };
  router.post('/mcp/servers/:name/mcp', single);
  router.get('/mcp/servers/:name/mcp', single);
  router.delete('/mcp/servers/:name/mcp', single);
  return router;
}
