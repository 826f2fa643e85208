import { koaBody } from 'koa-body';
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/**
 * JSON bodies only, size-limited. A parse error becomes a generic 400: JSON.parse messages quote
 * the input, and the input may be a secret.
 */
export function bodyParser(limit: string | number): Middleware {
  return koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: limit,
    urlencoded: false,
    text: false,
    multipart: false,
    onError: (err) => {
      const status = (err as { status?: unknown }).status;
      if (status === 413) throw new AppError('payload_too_large', `Request body is larger than ${String(limit)}`);
      if (status === 415) throw new AppError('invalid_request', 'Unsupported content type; send application/json');
      throw new AppError('invalid_json', 'Request body is not valid JSON (a JSON object is expected)');
    },
  });
}
