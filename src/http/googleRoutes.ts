import Router from '@koa/router';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { handleCommand } from '../commands/commandHandler.js';
import { googleLoginDecider } from '../commands/googleLoginDecider.js';
import { secretDecider } from '../commands/secretDecider.js';
import { AppError, notFound } from '../errors.js';
import { googleLoginStreamId } from '../events/googleLoginEvents.js';
import { secretStreamId } from '../events/secretEvents.js';
import { GOOGLE_TOKENS_SECRET } from '../runtime/calls/googleAuth.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { GoogleCallbackQuery, GoogleLinkBody, GoogleLoginQuery } from './authSchemas.js';
import { baseUrl, callAuthTool, googleLoginUrl, googleServer } from './googleLogin.js';
import { takeToolCall } from './toolCallLimit.js';
import type { LoginLink } from './loginLinks.js';
import { actingUsername, principalOf } from './principal.js';
import { confirmPage, isOwner, rememberOwner } from './linkOwner.js';
import { checkLimits } from './secretLimits.js';
import { authorizationUrlIn, isAcceptableRedirect, tokenObjectIn } from './toolResult.js';
import { parseInput } from './validate.js';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const cookieName = (stateHash: string): string => `mcp_google_login_${stateHash.slice(0, 16)}`;
const sameBinding = (given: string | undefined, expected: string): boolean =>
  given !== undefined &&
  given.length === expected.length &&
  timingSafeEqual(Buffer.from(given), Buffer.from(expected));
const STATE = /^[A-Za-z0-9_-]{43}$/;

export function googleRoutes(deps: AppDeps): Router {
  const router = new Router();
  const callbackUrl = (ctx: Parameters<typeof baseUrl>[1]): string =>
    `${baseUrl(deps, ctx)}/auth/google/callback`;

  /** A login link for a browser (the front-end's "Connect Google" button), for the caller's own user. */
  router.post('/auth/google/link', (ctx) => {
    const body = parseInput(GoogleLinkBody, ctx.request.body ?? {}, 'login link request');
    const username = actingUsername(principalOf(ctx), body.username);
    const server = googleServer(deps, body.serverName);
    // The browser that asks with the user's own token (the console) may open the link directly.
    if (principalOf(ctx)?.kind === 'user') rememberOwner(deps, ctx, username);
    const { expiresAt } = deps.security.links.issue({ username, serverName: server.name });
    ctx.body = { success: true, url: googleLoginUrl(deps, ctx, username, server.name), expiresAt };
  });

  router.get('/auth/google/login', async (ctx) => {
    const q = parseInput(GoogleLoginQuery, ctx.query, 'query');
    const link = ctx.state.loginLink as LoginLink | undefined;
    if (link && q.server !== undefined && q.server !== link.serverName)
      throw new AppError('forbidden', 'This login link is for another server');
    const username = link ? link.username : actingUsername(principalOf(ctx), q.user_id);
    const server = googleServer(deps, link ? link.serverName : q.server);
    // A link names its user; whoever completes it attaches *their* Google account to that user. So
    // outside that user's browser it asks for the user's token first (issue 13 item 6).
    if (link && !isOwner(deps, ctx, link.username)) {
      confirmPage(deps, ctx, { next: 'google', link: String(ctx.query.link), ...link });
      return;
    }
    if (!deps.security.googleConfigured) {
      throw new AppError(
        'oauth_not_configured',
        'GOOGLE_OAUTH_CREDENTIALS is not configured on this gateway',
        { serverName: server.name },
      );
    }

    // Before anything is recorded: a flood of login starts must not grow the event log.
    takeToolCall(deps, ctx, username);
    const state = randomBytes(32).toString('base64url');
    const stateHash = sha256(state);
    const expiresAt = new Date(deps.clock().getTime() + deps.security.googleLoginTtlMs).toISOString();
    const start = { stateHash, username, serverName: server.name, serverId: server.serverId, expiresAt };
    await handleCommand(
      deps.store,
      googleLoginStreamId(stateHash),
      googleLoginDecider,
      { type: 'StartGoogleLogin', data: start },
      commandMetadata(deps, username, ctx.state.requestId as string),
    );

    const result = await callAuthTool(deps, ctx, server, username, 'auth_get_authorization_url', {
      user_id: username,
      state,
      redirect_uri: callbackUrl(ctx),
    });
    const raw = authorizationUrlIn(result);
    const url = raw === undefined ? undefined : isAcceptableRedirect(raw);
    if (!url)
      throw new AppError(
        'upstream_error',
        `Tool auth_get_authorization_url on server ${server.name} returned no usable https URL`,
        { serverName: server.name },
      );
    // Our state, whatever the tool put there: the callback trusts only states it issued.
    url.searchParams.set('state', state);
    // Login CSRF: the callback also wants this cookie, so a state started by someone else, completed
    // in a victim's browser, cannot attach the victim's Google account to the other user.
    const secure = baseUrl(deps, ctx).startsWith('https:') ? '; Secure' : '';
    const maxAge = Math.ceil(deps.security.googleLoginTtlMs / 1000);
    ctx.append(
      'Set-Cookie',
      `${cookieName(stateHash)}=${deps.security.links.browserBinding(stateHash)}; Path=/auth/google/callback; ` +
        `Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`,
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.redirect(url.toString());
  });

  router.get('/auth/google/callback', async (ctx) => {
    const rawState = ctx.query.state;
    if (typeof rawState !== 'string' || !STATE.test(rawState)) {
      throw new AppError(
        'invalid_oauth_state',
        'Invalid login state: unknown state. Start the Google login again.',
        { reason: 'unknown state' },
      );
    }
    const q = parseInput(GoogleCallbackQuery, ctx.query, 'query');
    const stateHash = sha256(q.state);
    if (!sameBinding(ctx.cookies.get(cookieName(stateHash)), deps.security.links.browserBinding(stateHash))) {
      throw new AppError(
        'invalid_oauth_state',
        'Invalid login state: this browser did not start this login. Start the Google login again.',
        {
          reason: 'not started in this browser',
        },
      );
    }
    const meta = commandMetadata(deps, 'google-callback', ctx.state.requestId as string);
    // Consumed before anything else: a state works once, even if the exchange below fails.
    const done = await handleCommand(
      deps.store,
      googleLoginStreamId(stateHash),
      googleLoginDecider,
      { type: 'CompleteGoogleLogin', data: { stateHash, now: deps.clock().toISOString() } },
      meta,
    );
    const login = done.state;
    if (login.phase === 'none') throw new AppError('internal_error', 'login state vanished');
    if (q.error !== undefined)
      throw new AppError(
        'invalid_request',
        `Google did not grant access (${q.error.replace(/[^\w.-]/g, '')})`,
      );
    if (q.code === undefined) throw new AppError('invalid_request', 'Invalid query: code: Required');

    const server = deps.projector.readModels.servers.get(login.serverName);
    if (!server || server.serverId !== login.serverId) throw notFound(login.serverName);
    takeToolCall(deps, ctx, login.username);
    const result = await callAuthTool(deps, ctx, server, login.username, 'auth_exchange_code', {
      code: q.code,
      state: q.state,
      user_id: login.username,
      redirect_uri: callbackUrl(ctx),
    });
    const tokens = tokenObjectIn(result);
    if (!tokens)
      throw new AppError(
        'upstream_error',
        `Tool auth_exchange_code on server ${server.name} returned no token JSON`,
        { serverName: server.name },
      );

    const value = JSON.stringify(tokens);
    checkLimits(deps, login.username, server.serverId, GOOGLE_TOKENS_SECRET, value);
    await deps.secretBox.prepare(login.username);
    const sealed = deps.secretBox.seal(value, {
      username: login.username,
      serverName: server.name,
      secretName: GOOGLE_TOKENS_SECRET,
    });
    const data = {
      serverId: server.serverId,
      serverName: server.name,
      username: login.username,
      secretName: GOOGLE_TOKENS_SECRET,
      sealed,
    };
    const stored = await handleCommand(
      deps.store,
      secretStreamId(server.serverId, login.username),
      secretDecider,
      { type: 'SetSecret', data },
      commandMetadata(deps, login.username, ctx.state.requestId as string),
    );
    await deps.projector.waitFor(stored.position);
    deps.logger.info('google account connected', { username: login.username, serverName: server.name });
    ctx.append(
      'Set-Cookie',
      `${cookieName(stateHash)}=; Path=/auth/google/callback; Max-Age=0; HttpOnly; SameSite=Lax`,
    );

    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', "default-src 'none'");
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = successPage(login.username, server.name);
  });

  return router;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function successPage(username: string, serverName: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>Connected</title></head><body>` +
    `<h1>Google account connected</h1><p>User ${escapeHtml(username)} can now use ${escapeHtml(serverName)}. You can ` +
    `close this tab.</p></body></html>`
  );
}
