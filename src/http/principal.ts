import type { Context } from 'koa';
import { AppError } from '../errors.js';

/** Who a request acts as. An admin acts for any username; a user token only for its own. */
export type Principal =
  { readonly kind: 'admin' } | { readonly kind: 'user'; readonly username: string; readonly tokenId: string };

/** The principal the auth middleware attached; undefined on public routes. */
export const principalOf = (ctx: Context): Principal | undefined =>
  ctx.state.principal as Principal | undefined;

export const forbiddenFor = (username: string, requested: string): AppError =>
  new AppError('forbidden', `This token acts for user ${username}; it cannot act for user ${requested}`);

/**
 * The username a request acts for. A user token: the requested name must be absent or its own.
 * An admin: the requested name, or "default" (the reference README's single-user default).
 */
export function actingUsername(principal: Principal | undefined, requested: string | undefined): string {
  if (principal?.kind === 'user') {
    if (requested !== undefined && requested !== principal.username)
      throw forbiddenFor(principal.username, requested);
    return principal.username;
  }
  return requested ?? 'default';
}

export const isAdmin = (principal: Principal | undefined): boolean => principal?.kind === 'admin';
