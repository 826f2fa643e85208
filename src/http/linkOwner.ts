import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { koaBody } from 'koa-body';
import * as z from 'zod';
import type { AppDeps } from './appDeps.js';
import { escapeHtml, pageHeaders } from './authServer/pages.js';
import { baseUrl } from './googleLogin.js';

/**
 * Which gateway user a browser belongs to, for links that start an account connection (Google
 * login, connect-your-account). A link names the user it connects; whoever opens it would attach
 * *their* account at the other side to that user. So a link works directly only in a browser that
 * has proven to be that user: one that asked for a link with the user's token (the console), or
 * that typed the user's token into the confirmation page. The proof is an HMAC'd, expiring cookie.
 */
const COOKIE = 'mcp_link_owner';
const OWNER_DAYS = 30;

const mac = (deps: AppDeps, username: string, expires: number): string =>
  deps.security.links.browserBinding(`owner:${username}:${expires}`);

const same = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function rememberOwner(deps: AppDeps, ctx: Context, username: string): void {
  const expires = deps.clock().getTime() + OWNER_DAYS * 86_400_000;
  const value = `${Buffer.from(username).toString('base64url')}.${expires}.${mac(deps, username, expires)}`;
  const secure = baseUrl(deps, ctx).startsWith('https:') ? '; Secure' : '';
  ctx.append(
    'Set-Cookie',
    `${COOKIE}=${value}; Path=/auth; Max-Age=${OWNER_DAYS * 86_400}; HttpOnly; SameSite=Lax${secure}`,
  );
}

export function isOwner(deps: AppDeps, ctx: Context, username: string): boolean {
  const raw = ctx.cookies.get(COOKIE);
  if (!raw || raw.length > 1024) return false;
  const [name, exp, tag, extra] = raw.split('.');
  if (!name || !exp || !tag || extra !== undefined) return false;
  const expires = Number(exp);
  if (!Number.isSafeInteger(expires) || expires <= deps.clock().getTime()) return false;
  if (Buffer.from(name, 'base64url').toString('utf8') !== username) return false;
  return same(tag, mac(deps, username, expires));
}

export const confirmForm = koaBody({
  urlencoded: true,
  json: false,
  text: false,
  multipart: false,
  formLimit: '8kb',
});
export const ConfirmBody = z.object({
  next: z.enum(['google', 'connect']),
  link: z.string().min(1).max(1024),
  csrf: z.string().min(1).max(200),
  token: z.string().min(1).max(600),
});
export const csrfFor = (deps: AppDeps, link: string): string =>
  deps.security.links.browserBinding(`confirm:${link}`);
export const checkCsrf = (deps: AppDeps, link: string, csrf: string): boolean =>
  same(csrf, csrfFor(deps, link));

/** Where a confirmed link continues. */
export const continueUrl = (next: 'google' | 'connect', link: string): string =>
  next === 'google'
    ? `/auth/google/login?${new URLSearchParams({ link }).toString()}`
    : `/auth/upstream/connect?${new URLSearchParams({ link }).toString()}`;

/** The page a link shows in a browser that has not proven to be the link's user. */
export function confirmPage(
  deps: AppDeps,
  ctx: Context,
  p: { next: 'google' | 'connect'; link: string; username: string; serverName: string; error?: string },
): void {
  pageHeaders(ctx);
  const h = escapeHtml;
  const what = p.next === 'google' ? 'a Google account' : 'your account';
  ctx.status = p.error ? 403 : 200;
  ctx.body =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Confirm</title></head><body>' +
    `<h1>Connect ${h(what)} to gateway user ${h(p.username)}?</h1>` +
    (p.error ? `<p><strong>${h(p.error)}</strong></p>` : '') +
    `<p>This link connects ${h(what)} at <strong>${h(p.serverName)}</strong> to the gateway user ` +
    `<strong>${h(p.username)}</strong>. If someone sent you this link and you are not ${h(p.username)}, close this ` +
    `page: ` +
    'continuing would give them access to your account.</p>' +
    '<form method="post" action="/auth/link/confirm">' +
    `<input type="hidden" name="next" value="${p.next}">` +
    `<input type="hidden" name="link" value="${h(p.link)}">` +
    `<input type="hidden" name="csrf" value="${h(csrfFor(deps, p.link))}">` +
    `<label>${h(p.username)}'s mcp-api user token <input type="password" name="token" autocomplete="off" ` +
    `required></label>` +
    '<button type="submit">Continue</button></form></body></html>';
}
