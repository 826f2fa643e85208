import Router from '@koa/router';
import type { Context } from 'koa';
import * as z from 'zod';
import { AppError, notFound } from '../errors.js';
import type { ConnectEndpoints } from '../runtime/remote/oauth/upstreamConnect.js';
import { stateHashOf } from '../runtime/remote/oauth/upstreamConnect.js';
import type { AppDeps, ConnectDeps } from './appDeps.js';
import { escapeHtml, pageHeaders } from './authServer/pages.js';
import { baseUrl } from './googleLogin.js';
import {
  checkCsrf,
  confirmForm,
  ConfirmBody,
  confirmPage,
  continueUrl,
  isOwner,
  rememberOwner,
} from './linkOwner.js';
import { actingUsername, principalOf } from './principal.js';
import { serverNameSchema, usernameSchema } from './serverSchemas.js';
import { takeSecretWrite } from './toolCallLimit.js';
import { parseInput } from './validate.js';

export const ConnectBody = z.object({ username: usernameSchema.optional() }).strict();
export const ConnectUserQuery = z.object({ username: usernameSchema.optional() });
const LinkQuery = z.object({ link: z.string().min(1).max(1024) });
const CallbackQuery = z.object({
  state: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'unknown state'),
  code: z.string().min(1).max(4096).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

const cookieName = (stateHash: string): string => `mcp_connect_${stateHash.slice(0, 16)}`;
const CALLBACK = '/auth/upstream/callback';

const connectOf = (deps: AppDeps): ConnectDeps => {
  if (!deps.connect)
    throw new AppError('oauth_not_configured', 'Connecting accounts is not available on this gateway');
  return deps.connect;
};

/** The gateway's redirect URI and (on https) the URL of its Client ID Metadata Document. */
export function connectEndpoints(deps: AppDeps, ctx: Context): ConnectEndpoints {
  const base = baseUrl(deps, ctx);
  return {
    redirectUri: `${base}${CALLBACK}`,
    ...(base.startsWith('https:') ? { clientMetadataUrl: `${base}/auth/upstream/client.json` } : {}),
  };
}

/** A browser link that starts connecting `username`'s account at `serverName`. */
export function connectLinkUrl(deps: AppDeps, ctx: Context, username: string, serverName: string) {
  const { link, expiresAt } = connectOf(deps).links.issue({ username, serverName });
  return {
    url: `${baseUrl(deps, ctx)}/auth/upstream/connect?${new URLSearchParams({ link }).toString()}`,
    expiresAt,
  };
}

/**
 * Connect your account (issue 13 item 5): a user authorizes the gateway at a remote server's
 * authorization server; the gateway stores the tokens for that user only. The link only works in
 * the browser of the user it names (linkOwner.ts); the callback only in the browser that started it.
 */
export function connectRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.post('/mcp/servers/:name/oauth/connect', (ctx) => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const body = parseInput(ConnectBody, ctx.request.body ?? {}, 'connect request');
    const principal = principalOf(ctx);
    const username = actingUsername(principal, body.username);
    const view = deps.projector.readModels.servers.get(name);
    if (!view) throw notFound(name);
    if (view.config.transport.transportType !== 'streamable_http')
      throw new AppError('invalid_request', `Server ${name} is not a remote (streamable_http) server`, {
        serverName: name,
      });
    // The browser that asks with the user's own token (the console) may open the link directly.
    if (principal?.kind === 'user') rememberOwner(deps, ctx, username);
    ctx.body = { success: true, serverName: name, username, ...connectLinkUrl(deps, ctx, username, name) };
  });

  router.get('/mcp/servers/:name/oauth', (ctx) => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const query = parseInput(ConnectUserQuery, ctx.query, 'query');
    const username = actingUsername(principalOf(ctx), query.username);
    const view = deps.projector.readModels.servers.get(name);
    if (!view) throw notFound(name);
    const state = deps.projector.readModels.oauth.get(view.serverId)?.get(username);
    const record = state?.record;
    ctx.body = {
      success: true,
      serverName: name,
      username,
      connected: record !== undefined && !state?.reauthRequired,
      reauthRequired: state?.reauthRequired ?? false,
      ...(record?.expiresAt ? { expiresAt: record.expiresAt } : {}),
      ...(record?.scopes ? { scopes: record.scopes } : {}),
    };
  });

  router.delete('/mcp/servers/:name/oauth', async (ctx) => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const query = parseInput(ConnectUserQuery, ctx.query, 'query');
    const username = actingUsername(principalOf(ctx), query.username);
    takeSecretWrite(deps, ctx, username);
    const { removed, position } = await connectOf(deps).service.disconnect(username, name);
    if (position > 0) await deps.projector.waitFor(position);
    ctx.body = { success: true, serverName: name, username, removed };
  });

  router.get('/auth/upstream/connect', async (ctx) => {
    const { link } = parseInput(LinkQuery, ctx.query, 'query');
    const connect = connectOf(deps);
    const target = connect.links.verify(link);
    if (!target)
      throw new AppError('forbidden', 'This connect link is invalid or has expired; ask for a new one');
    if (!isOwner(deps, ctx, target.username)) {
      confirmPage(deps, ctx, { next: 'connect', link, ...target });
      return;
    }
    takeSecretWrite(deps, ctx, target.username);
    const started = await connect.service.start(
      target.username,
      target.serverName,
      connectEndpoints(deps, ctx),
    );
    const secure = baseUrl(deps, ctx).startsWith('https:') ? '; Secure' : '';
    ctx.append(
      'Set-Cookie',
      `${cookieName(started.stateHash)}=${deps.security.links.browserBinding(started.stateHash)}; ` +
        `Path=${CALLBACK}; Max-Age=600; HttpOnly; SameSite=Lax${secure}`,
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.redirect(started.authorizationUrl);
  });

  router.post('/auth/link/confirm', confirmForm, (ctx) => {
    const parsed = ConfirmBody.safeParse(ctx.request.body);
    if (!parsed.success) throw new AppError('invalid_request', 'Incomplete confirmation form');
    const { next, link, csrf, token } = parsed.data;
    const target = (next === 'google' ? deps.security.links : connectOf(deps).links).verify(link);
    if (!target || !checkCsrf(deps, link, csrf))
      throw new AppError('forbidden', 'This link is invalid or has expired; ask for a new one');
    if ((deps.security.authFailures?.blockedFor(ctx.ip) ?? 0) > 0)
      throw new AppError('rate_limited', 'Too many failed authentications from this address; retry later');
    const principal = deps.security.authenticator.authenticate(`Bearer ${token}`);
    if (principal?.kind !== 'user' || principal.username !== target.username) {
      deps.security.authFailures?.failed(ctx.ip);
      deps.logger.warn('link confirmation refused', { ip: ctx.ip, username: target.username });
      confirmPage(deps, ctx, {
        next,
        link,
        ...target,
        error: `That is not ${target.username}'s user token.`,
      });
      return;
    }
    rememberOwner(deps, ctx, target.username);
    ctx.status = 303;
    ctx.redirect(continueUrl(next, link));
  });

  router.get(CALLBACK, async (ctx) => {
    const q = parseInput(CallbackQuery, ctx.query, 'query');
    const stateHash = stateHashOf(q.state);
    const cookie = ctx.cookies.get(cookieName(stateHash));
    const expected = deps.security.links.browserBinding(stateHash);
    if (cookie === undefined || cookie !== expected)
      throw new AppError('invalid_oauth_state', 'Invalid connection state: this browser did not start it', {
        reason: 'not started in this browser',
      });
    ctx.append(
      'Set-Cookie',
      `${cookieName(stateHash)}=; Path=${CALLBACK}; Max-Age=0; HttpOnly; SameSite=Lax`,
    );
    if (q.error !== undefined)
      throw new AppError(
        'invalid_request',
        `The authorization server did not grant access (${q.error.replace(/[^\w.-]/g, '')})`,
      );
    if (q.code === undefined) throw new AppError('invalid_request', 'Invalid query: code: Required');
    const callbackUrl = new URL(`${connectEndpoints(deps, ctx).redirectUri}?${ctx.querystring}`);
    const done = await connectOf(deps).service.complete(q.state, callbackUrl, connectEndpoints(deps, ctx));
    await deps.projector.waitFor(done.position);
    pageHeaders(ctx);
    ctx.body =
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Connected</title></head><body>' +
      `<h1>Account connected</h1><p>User ${escapeHtml(done.username)} can now use ` +
      `${escapeHtml(done.serverName)}. You can close this tab.</p></body></html>`;
  });

  /** The gateway's Client ID Metadata Document: its client_id is this document's URL. */
  router.get('/auth/upstream/client.json', (ctx) => {
    const endpoints = connectEndpoints(deps, ctx);
    if (!endpoints.clientMetadataUrl)
      throw new AppError('route_not_found', 'Served only when PUBLIC_URL is https');
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = {
      client_id: endpoints.clientMetadataUrl,
      client_name: 'mcp-api gateway',
      redirect_uris: [endpoints.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  });

  return router;
}
