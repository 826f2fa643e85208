import { koaBody } from 'koa-body';
import type { Context, Middleware, Next } from 'koa';
import { AppError } from '../errors.js';
import { byteLimit, fastJsonLength, parseStrictJson, PARSED_METHODS, readBody } from './jsonBody.js';

/** Deeper JSON than this is refused: nothing we accept nests that far, and deep values blow stacks downstream. */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON bodies only, size-limited, nesting-limited. A parse error becomes a generic 400: JSON.parse
 * messages quote the input, and the input may be a secret.
 *
 * The common request (plain application/json, no content coding) is read by jsonBody.ts, which copies koa-body's
 * rules at a fraction of its cost; koa-body stays for everything else (other JSON types, gzip, non-JSON types).
 */
export function bodyParser(limit: string | number): Middleware {
  // koa-body's onError sees co-body/raw-body errors by their HTTP status: so does the fast path.
  const refusal = (err: unknown): AppError => {
    const status = (err as { status?: unknown }).status;
    if (status === 413)
      return new AppError('payload_too_large', `Request body is larger than ${String(limit)}`);
    if (status === 415)
      return new AppError('invalid_request', 'Unsupported content type; send application/json');
    return new AppError('invalid_json', 'Request body is not valid JSON (a JSON object is expected)');
  };
  const fallback = koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: limit,
    urlencoded: false,
    text: false,
    multipart: false,
    onError: (err) => {
      throw refusal(err);
    },
  });
  const maxBytes = byteLimit(limit);
  const checkDepth = async (ctx: Context, next: Next): Promise<void> => {
    if (tooDeep(ctx.request.body, MAX_JSON_DEPTH))
      throw new AppError('invalid_request', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    await next();
  };
  return async (ctx, next) => {
    // koa-body reads nothing for other methods.
    if (!PARSED_METHODS.has(ctx.method.toUpperCase())) return checkDepth(ctx, next);
    const length = fastJsonLength(ctx.req);
    if (length === undefined) return fallback(ctx, () => checkDepth(ctx, next));
    let body: Context['request']['body'];
    try {
      // What JSON.parse returns is a JSON value, which is what koa-body declares the body to be.
      body = parseStrictJson(await readBody(ctx.req, maxBytes, length)) as Context['request']['body'];
    } catch (err) {
      throw refusal(err);
    }
    ctx.request.body = body;
    return checkDepth(ctx, next);
  };
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
