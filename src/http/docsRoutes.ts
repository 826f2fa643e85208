import Router from '@koa/router';
import { buildOpenApi } from './openApi.js';
import { ROUTE_DOCS } from './routeDocs.js';

const escape = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** GET /openapi.json and a self-contained HTML page (no CDN: gateways often run offline). */
const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}',
  'td{vertical-align:top;padding:.3rem .6rem;border-bottom:1px solid #ddd}',
  'pre{background:#f6f6f6;padding:.5rem}',
].join('');

export function docsRoutes(version = '0.1.0'): Router {
  const router = new Router();
  const doc = buildOpenApi(version);
  router.get('/openapi.json', (ctx) => {
    ctx.body = doc;
  });
  router.get('/docs', (ctx) => {
    const paths = doc.paths as Record<
      string,
      Record<string, { summary: string; requestBody?: { content: Record<string, { schema: unknown }> } }>
    >;
    const rows = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const schema = op.requestBody?.content['application/json']?.schema;
        const body = schema
          ? `<details><summary>request body</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`
          : '';
        const cells = [
          `<code>${method.toUpperCase()}</code>`,
          `<code>${escape(path)}</code>`,
          escape(op.summary) + body,
        ];
        return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
      }),
    );
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>mcp-api</title>
<style>${STYLE}</style></head>
<body><h1>mcp-api</h1><p>${Object.keys(ROUTE_DOCS).length} routes.
Errors are <code>{"success":false,"error":"…","code":"…"}</code>.
Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<table>${rows.join('\n')}</table></body></html>`;
  });
  return router;
}
