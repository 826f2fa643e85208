import type { Context } from 'koa';
import { AppError, notFound } from '../errors.js';
import type { ServerView } from '../projections/serversProjection.js';
import { isGoogleOAuthServer } from '../runtime/calls/googleAuth.js';
import type { ToolResult } from '../runtime/core/types.js';
import type { AppDeps } from './appDeps.js';
import { callerOf } from './callerInfo.js';
import { withClientAbort } from './clientAbort.js';

/**
 * Where browsers reach this gateway: PUBLIC_URL, else this request's scheme and Host (already
 * checked against ALLOWED_HOSTS; note Koa 3's ctx.origin is the Origin header, not this).
 */
export const baseUrl = (deps: AppDeps, ctx: Context): string =>
  (deps.security.publicUrl ?? (ctx.host ? `${ctx.protocol}://${ctx.host}` : '')).replace(/\/+$/, '');

/** A browser-ready login URL for (user, server): carries a signed, short-lived link, so no token is needed. */
export function googleLoginUrl(deps: AppDeps, ctx: Context, username: string, serverName: string): string {
  const { link } = deps.security.links.issue({ username, serverName });
  const q = new URLSearchParams({ user_id: username, server: serverName, link });
  return `${baseUrl(deps, ctx)}/auth/google/login?${q.toString()}`;
}

/** The named server, or the only Google OAuth2 server when none is named. */
export function googleServer(deps: AppDeps, name: string | undefined): ServerView {
  const servers = deps.projector.readModels.servers;
  if (name !== undefined) {
    const view = servers.get(name);
    if (!view) throw notFound(name);
    if (!isGoogleOAuthServer(view))
      throw new AppError(
        'invalid_request',
        `Server ${name} does not declare MCP_AUTH_TYPE=OAUTH2_GOOGLE in its env`,
      );
    return view;
  }
  const candidates = [...servers.values()].filter((v) => v.enabled && isGoogleOAuthServer(v));
  if (candidates.length === 1) return candidates[0] as ServerView;
  if (candidates.length === 0)
    throw new AppError('server_not_found', 'No enabled server declares MCP_AUTH_TYPE=OAUTH2_GOOGLE');
  throw new AppError(
    'invalid_request',
    `Several servers use Google OAuth2 (${candidates.map((c) => c.name).join(', ')}); name one with ?server=`,
  );
}

/**
 * Calls one auth_* tool of the server as that user, passing only the arguments its input schema
 * can take (servers differ in which of user_id, state, redirect_uri they declare).
 */
export async function callAuthTool(
  deps: AppDeps,
  ctx: Context,
  view: ServerView,
  username: string,
  tool: string,
  offered: Record<string, string>,
): Promise<ToolResult> {
  const schema = deps.runtime.snapshot(view.name)?.toolsList.find((t) => t.name === tool)?.inputSchema;
  const properties =
    schema?.properties && typeof schema.properties === 'object'
      ? (schema.properties as Record<string, unknown>)
      : {};
  const open = schema?.additionalProperties !== false;
  const args = Object.fromEntries(Object.entries(offered).filter(([k]) => k in properties || open));
  const result = await withClientAbort(ctx, (signal) =>
    deps.runtime.callTool({ username, serverName: view.name, methodName: tool, args }, signal, {
      caller: callerOf(ctx, 'rest'),
    }),
  );
  if (result.isError === true) {
    throw new AppError('upstream_error', `Tool ${tool} on server ${view.name} reported an error`, {
      serverName: view.name,
      toolName: tool,
    });
  }
  return result;
}
