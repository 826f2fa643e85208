import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors.js';

/**
 * Nothing but the bundle's own files: no inline script or style, no other origin, never framed.
 * `data:` images let the playground show image blocks a tool returns (base64 in the result).
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const FILE = /^[a-z0-9][a-z0-9_-]*\.(html|js|css|svg)$/;

/** Where `npm run build` puts the console (dist/ui), seen from dist/src/http. */
export const defaultUiDir = (): string => fileURLToPath(new URL('../../ui/', import.meta.url));

/**
 * GET /ui: the web console, a static bundle. Public, because it holds no data: every page signs in
 * with a token kept in sessionStorage and calls the authenticated API with it.
 */
export function uiRoutes(dir: string = defaultUiDir()): Router {
  const router = new Router();
  const send = async (ctx: Context, name: string): Promise<void> => {
    const ext = name.slice(name.lastIndexOf('.'));
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch {
      throw new AppError(
        'route_not_found',
        name === 'index.html' ? 'The console is not built (run npm run build)' : `No console file ${name}`,
      );
    }
    ctx.set('Content-Security-Policy', UI_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    ctx.body = body;
  };
  router.get('/ui', (ctx) => send(ctx, 'index.html'));
  router.get('/ui/:file', (ctx) => {
    const file = ctx.params.file ?? '';
    if (!FILE.test(file)) throw new AppError('route_not_found', 'No such console file');
    return send(ctx, file);
  });
  return router;
}
