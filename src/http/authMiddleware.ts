import type { Layer } from '@koa/router';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Authenticator } from './authenticator.js';
import type { LoginLinks } from './loginLinks.js';
import type { AuthThrottle } from './authThrottle.js';
import { policyFor, type Access, type RoutePolicy } from './routePolicy.js';
import type { RouteTable } from './routeDispatch.js';

const RANK: Record<Access, number> = { public: 0, 'user-or-link': 1, user: 2, admin: 3 };

/**
 * Requests for paths no route serves still need a token: unauthenticated callers learn nothing, not even 404 vs
 * 405.
 */
const UNROUTED: RoutePolicy = { method: '*', path: '*', access: 'user' };

export const unauthorized = (): AppError => new AppError('unauthorized', 'Unauthorized');

/**
 * The policy of the route a request will reach, from the layers the routers' own matcher found for it (see
 * routeDispatch.ts), so the policy can never disagree with the dispatch. The strictest one wins when several
 * serve the same method and path; a route missing from the table is admin-only, and logged once.
 */
export function routePolicyOf(logger: Logger): (served: readonly Layer[]) => RoutePolicy {
  const reported = new Set<string>();
  return (served) => {
    let found: RoutePolicy | undefined;
    for (const layer of served) {
      if (layer.methods.length === 0 || typeof layer.path !== 'string') continue;
      const method = layer.methods.find((m) => m !== 'HEAD') ?? 'HEAD';
      let policy = policyFor(method, layer.path);
      if (!policy) {
        policy = { method, path: layer.path, access: 'admin' };
        if (!reported.has(layer.path)) {
          reported.add(layer.path);
          logger.error('route has no access policy in src/http/routePolicy.ts; treating it as admin-only', {
            method,
            path: layer.path,
          });
        }
      }
      if (!found || RANK[policy.access] > RANK[found.access]) found = policy;
    }
    return found ?? UNROUTED;
  };
}

/**
 * Looks the policy of the request's route up (resolved once per distinct method and path, shared with the
 * dispatcher) and authenticates. Runs before the body parser: an unauthenticated request never has its body read.
 */
export function authMiddleware(options: {
  authenticator: Authenticator;
  links: LoginLinks;
  routes: RouteTable<RoutePolicy>;
  logger: Logger;
  /** The WWW-Authenticate value of a 401 (with the authorization server on: where its metadata is, RFC 9728). */
  challenge?: (path: string) => string;
  /** Failed authentications per source address (issue 13); absent: not throttled. */
  throttle?: AuthThrottle;
}): Middleware {
  return async (ctx, next) => {
    const policy = options.routes.resolve(ctx.method, ctx.path).policy;
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
