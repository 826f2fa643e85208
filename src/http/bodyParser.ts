import { koaBody } from 'koa-body';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/** Deeper JSON than this is refused: nothing we accept nests that far, and deep values blow stacks downstream. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON bodies only, size-limited, nesting-limited. A parse error becomes a generic 400: JSON.parse
 * messages quote the input, and the input may be a secret.
 */
export function bodyParser(limit: string | number): Middleware {
  const parse = koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: limit,
    urlencoded: false,
    text: false,
    multipart: false,
    onError: (err) => {
      const status = (err as { status?: unknown }).status;
      if (status === 413)
        throw new AppError('payload_too_large', `Request body is larger than ${String(limit)}`);
      if (status === 415)
        throw new AppError('invalid_request', 'Unsupported content type; send application/json');
      throw new AppError('invalid_json', 'Request body is not valid JSON (a JSON object is expected)');
    },
  });
  return (ctx, next) =>
    parse(ctx, async () => {
      if (tooDeep(ctx.request.body, MAX_JSON_DEPTH))
        throw new AppError('invalid_request', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      await next();
    });
}

/** Iterative, so a hostile body cannot overflow the stack while being measured. */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return false;
}
