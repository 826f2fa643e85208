import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { AppDeps } from './appDeps.js';

/** Counts one tool call against the user's rate limit (429 when the bucket is empty). */
export function takeToolCall(deps: AppDeps, ctx: Context, username: string): void {
  const limited = deps.security.toolCalls.take(username);
  if (!limited.ok) throw rateLimited(ctx, limited.retryAfterMs);
}

export function rateLimited(ctx: Context, retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  ctx.set('Retry-After', String(seconds));
  return new AppError('rate_limited', `Too many tool calls for this user; retry in ${seconds} s`, { retryAfterSeconds: seconds });
}
