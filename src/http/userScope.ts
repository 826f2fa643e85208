import type { Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { LoginLink } from './loginLinks.js';
import { principalOf } from './principal.js';
import type { RoutePolicy } from './routePolicy.js';

/**
 * Runs after the body parser, before the route: on routes whose policy names where the acting
 * user is given, a user token (or login link) naming anyone else is refused with 403 before any
 * validation or work. Routes still resolve the name through `actingUsername` (defence in depth).
 */
export function userScope(): Middleware {
  return async (ctx, next) => {
    const policy = ctx.state.policy as RoutePolicy | undefined;
    const where = policy?.actsFor;
    if (where) {
      const source: unknown = where.in === 'body' ? ctx.request.body : ctx.query;
      const requested =
        source && typeof source === 'object' ? (source as Record<string, unknown>)[where.field] : undefined;
      const principal = principalOf(ctx);
      const link = ctx.state.loginLink as LoginLink | undefined;
      const owner = principal?.kind === 'user' ? principal.username : link?.username;
      if (owner !== undefined && requested !== undefined && requested !== owner) {
        // The requested value is not validated yet, so it is not echoed.
        throw new AppError(
          'forbidden',
          `This token acts for user ${owner} only; it cannot act for another user`,
        );
      }
    }
    await next();
  };
}
