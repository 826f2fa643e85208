import type { Middleware } from 'koa';
import { AppError, isAppError, isDiskFull } from '../errors.js';
import type { Logger } from '../logger.js';

/** The one place typed errors become HTTP. Unknown errors are bugs: 500, logged, message withheld. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined && ctx.status === 404)
        throw new AppError('route_not_found', `No route for ${ctx.method} ${ctx.path}`);
      // 501 is the router's answer to a method it has no route for at all (TRACE, PROPFIND, ...).
      if (ctx.body === undefined && (ctx.status === 405 || ctx.status === 501)) {
        throw new AppError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`, {
          allow: ctx.response.get('Allow'),
        });
      }
    } catch (e) {
      const error = isAppError(e) ? e : fromHttpError(e);
      if (error.status >= 500)
        logger.error('request failed', { method: ctx.method, path: ctx.path, code: error.code, error: e });
      ctx.status = error.status;
      ctx.body = { success: false, error: error.message, code: error.code, ...error.details };
    }
  };
}

/** Errors thrown by koa itself or its body parser carry `status`/`expose`; keep their 4xx meaning. */
function fromHttpError(e: unknown): AppError {
  // A full disk hit by some file write that did not type its error is still the operator's problem, not a bug.
  if (isDiskFull(e)) {
    return new AppError(
      'storage_full',
      'The disk holding the data is full; the request was not completed',
      {},
      { cause: e },
    );
  }
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number' && status === 413)
    return new AppError('payload_too_large', 'Request body is too large');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(
      'invalid_request',
      (e as { expose?: boolean }).expose ? String((e as Error).message) : 'Bad request',
    );
  }
  return new AppError('internal_error', 'Internal error', {}, { cause: e });
}
