import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Authenticator } from './authenticator.js';
import type { LoginLinks } from './loginLinks.js';
import type { AuthThrottle } from './authThrottle.js';
import { policyFor, type Access, type RoutePolicy } from './routePolicy.js';

const RANK: Record<Access, number> = { public: 0, 'user-or-link': 1, user: 2, admin: 3 };

/**
 * Requests for paths no route serves still need a token: unauthenticated callers learn nothing, not even 404 vs
 * 405.
 */
const UNROUTED: RoutePolicy = { method: '*', path: '*', access: 'user' };

export const unauthorized = (): AppError => new AppError('unauthorized', 'Unauthorized');

/**
 * Finds the route a request will reach (with the routers' own matcher, so the policy can never
 * disagree with the dispatch), looks its policy up in the table, and authenticates. Runs before
 * the body parser: an unauthenticated request never has its body read.
 */
export function authMiddleware(options: {
  authenticator: Authenticator;
  links: LoginLinks;
  routers: readonly Router[];
  logger: Logger;
  /** The WWW-Authenticate value of a 401 (with the authorization server on: where its metadata is, RFC 9728). */
  challenge?: (path: string) => string;
  /** Failed authentications per source address (issue 13); absent: not throttled. */
  throttle?: AuthThrottle;
}): Middleware {
  const reported = new Set<string>();
  // The policy of a method and path never changes (routers are fixed at start): matching every router
  // once per distinct request line is enough. Bounded, as paths carry names and ids.
  const resolved = new Map<string, RoutePolicy>();

  const resolve = (ctx: Context): RoutePolicy => {
    const key = `${ctx.method} ${ctx.path}`;
    let policy = resolved.get(key);
    if (!policy) {
      if (resolved.size >= 1024) resolved.clear();
      policy = match(ctx);
      resolved.set(key, policy);
    }
    return policy;
  };

  const match = (ctx: Context): RoutePolicy => {
    let found: RoutePolicy | undefined;
    for (const router of options.routers) {
      for (const layer of router.match(ctx.path, ctx.method).pathAndMethod) {
        if (layer.methods.length === 0 || typeof layer.path !== 'string') continue;
        const method = layer.methods.find((m) => m !== 'HEAD') ?? 'HEAD';
        let policy = policyFor(method, layer.path);
        if (!policy) {
          policy = { method, path: layer.path, access: 'admin' };
          if (!reported.has(layer.path)) {
            reported.add(layer.path);
            options.logger.error(
              'route has no access policy in src/http/routePolicy.ts; treating it as admin-only',
              { method, path: layer.path },
            );
          }
        }
        if (!found || RANK[policy.access] > RANK[found.access]) found = policy;
      }
    }
    return found ?? UNROUTED;
  };

  return async (ctx, next) => {
    const policy = resolve(ctx);
    ctx.state.policy = policy;
    if (policy.access === 'public') return next();

    const wait = options.throttle?.blockedFor(ctx.ip) ?? 0;
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      ctx.set('Retry-After', String(seconds));
      throw new AppError(
        'rate_limited',
        `Too many failed authentications from this address; retry in ${seconds} s`,
        { retryAfterSeconds: seconds },
      );
    }
    const principal = options.authenticator.authenticate(ctx.get('authorization') || undefined);
    if (!principal && policy.access === 'user-or-link') {
      const raw = ctx.query.link;
      const link = typeof raw === 'string' ? options.links.verify(raw) : undefined;
      if (link) {
        ctx.state.loginLink = link;
        return next();
      }
    }
    if (!principal) {
      // A request that presented credentials and failed counts; one that presented none is a client discovering auth.
      if (ctx.get('authorization')) {
        options.throttle?.failed(ctx.ip);
        options.logger.warn('authentication failed', { ip: ctx.ip, method: ctx.method, path: ctx.path });
      }
      ctx.set('WWW-Authenticate', options.challenge?.(ctx.path) ?? 'Bearer realm="mcp-api"');
      throw unauthorized();
    }
    if (policy.access === 'admin' && principal.kind !== 'admin')
      throw new AppError('forbidden', 'This endpoint needs an admin token');
    ctx.state.principal = principal;
    return next();
  };
}
