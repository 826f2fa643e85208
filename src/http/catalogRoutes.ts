import Router from '@koa/router';
import type { Context } from 'koa';
import * as z from 'zod';
import { AppError, isAppError } from '../errors.js';
import type { CatalogList } from '../runtime/client/upstreamCatalog.js';
import type { CatalogCall, CatalogSource } from '../runtime/endpoint/catalog/catalogSource.js';
import type { AppDeps } from './appDeps.js';
import { callerOf } from './callerInfo.js';
import { withClientAbort } from './clientAbort.js';
import { actingUsername, principalOf } from './principal.js';
import { serverNameSchema, usernameSchema } from './serverSchemas.js';
import { rateLimited } from './toolCallLimit.js';
import { parseInput } from './validate.js';

export const CatalogListQuery = z.object({
  username: usernameSchema.optional(),
  server: serverNameSchema.optional(),
});

export const ResourceReadBody = z.object({
  username: usernameSchema.optional(),
  serverName: serverNameSchema,
  uri: z.string().min(1).max(4096),
});

export const PromptGetBody = z.object({
  username: usernameSchema.optional(),
  serverName: serverNameSchema,
  name: z.string().min(1).max(512),
  arguments: z.record(z.string(), z.string().max(65_536)).optional(),
});

/** The upstream's "no such resource/prompt" (-32602) is a 404 here, as an unknown tool is. */
const INVALID_PARAMS = -32602;

function sourceOf(deps: AppDeps): CatalogSource {
  const catalog = deps.mcp.catalog;
  if (!catalog) throw new AppError('internal_error', 'The resource and prompt catalogue is not configured');
  return catalog;
}

/** One list of every enabled server (or the one asked for), in the shape of GET /mcp/tools. */
async function lists(
  ctx: Context,
  deps: AppDeps,
  kinds: readonly CatalogList[],
): Promise<Record<string, Array<Record<string, unknown[]>>>> {
  const query = parseInput(CatalogListQuery, ctx.query, 'query');
  const username = actingUsername(principalOf(ctx), query.username);
  const catalog = sourceOf(deps);
  const servers = catalog.serverNames().filter((s) => query.server === undefined || s === query.server);
  if (query.server !== undefined && servers.length === 0)
    throw new AppError('server_not_found', `Server with name ${query.server} not found`, {
      serverName: query.server,
    });
  return withClientAbort(ctx, async (signal) => {
    const out: Record<string, Array<Record<string, unknown[]>>> = {};
    for (const kind of kinds) {
      const perServer = await Promise.all(
        // A server that cannot answer shows an empty list here rather than failing the others.
        servers.map(async (s) => ({ [s]: await catalog.list(username, s, kind, signal).catch(() => []) })),
      );
      out[kind] = perServer;
    }
    return out;
  });
}

async function callOne(ctx: Context, deps: AppDeps, username: string, server: string, call: CatalogCall) {
  // The same per-user budget as tool calls: a read or get is a call the user's servers answer.
  const limited = deps.security.toolCalls.take(username);
  if (!limited.ok) throw rateLimited(ctx, limited.retryAfterMs, 'calls');
  try {
    return await withClientAbort(ctx, (signal) =>
      sourceOf(deps).call(username, server, call, signal, callerOf(ctx, 'rest')),
    );
  } catch (error) {
    if (
      isAppError(error) &&
      error.code === 'upstream_error' &&
      error.details.upstreamCode === INVALID_PARAMS
    ) {
      const code = call.method === 'prompts/get' ? 'prompt_not_found' : 'resource_not_found';
      throw new AppError(code, error.message, { serverName: server });
    }
    throw error;
  }
}

/**
 * Resources and prompts for clients that do not speak MCP, in the style of GET /mcp/tools and
 * POST /mcp/tool/call: original URIs and names, the caller's own process or OAuth connection, the
 * same access policy as /mcp (a denied item is 403 access_denied, as a denied tool is).
 */
export function catalogRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.get('/mcp/resources', async (ctx) => {
    const found = await lists(ctx, deps, ['resources', 'resourceTemplates']);
    ctx.body = { success: true, resources: found.resources, resourceTemplates: found.resourceTemplates };
  });

  router.post('/mcp/resource/read', async (ctx) => {
    const body = parseInput(ResourceReadBody, ctx.request.body, 'resource read');
    const username = actingUsername(principalOf(ctx), body.username);
    const data = await callOne(ctx, deps, username, body.serverName, {
      method: 'resources/read',
      uri: body.uri,
    });
    ctx.body = { success: true, data };
  });

  router.get('/mcp/prompts', async (ctx) => {
    const found = await lists(ctx, deps, ['prompts']);
    ctx.body = { success: true, prompts: found.prompts };
  });

  router.post('/mcp/prompt/get', async (ctx) => {
    const body = parseInput(PromptGetBody, ctx.request.body, 'prompt get');
    const username = actingUsername(principalOf(ctx), body.username);
    const call = { method: 'prompts/get' as const, name: body.name, arguments: body.arguments };
    const data = await callOne(ctx, deps, username, body.serverName, call);
    ctx.body = { success: true, data };
  });

  return router;
}
