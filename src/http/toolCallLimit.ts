import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { AppDeps } from './appDeps.js';

/** Counts one tool call against the user's rate limit (429 when the bucket is empty). */
export function takeToolCall(deps: AppDeps, ctx: Context, username: string): void {
  const limited = deps.security.toolCalls.take(username);
  if (!limited.ok) throw rateLimited(ctx, limited.retryAfterMs);
}

/** Counts one secret or OAuth-token write against the user's write limit (429 when the bucket is empty). */
export function takeSecretWrite(deps: AppDeps, ctx: Context, username: string): void {
  const limited = deps.security.secretWrites.take(username);
  if (!limited.ok) throw rateLimited(ctx, limited.retryAfterMs, 'secret writes');
}

export function rateLimited(ctx: Context, retryAfterMs: number, what = 'tool calls'): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  ctx.set('Retry-After', String(seconds));
  return new AppError('rate_limited', `Too many ${what} for this user; retry in ${seconds} s`, {
    retryAfterSeconds: seconds,
  });
}
