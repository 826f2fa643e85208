import * as z from 'zod';
import { ROUTE_DOCS, type RouteDoc } from './routeDocs.js';

const ERROR_BODY = {
  type: 'object',
  required: ['success', 'error', 'code'],
  properties: { success: { const: false }, error: { type: 'string' }, code: { type: 'string' } },
};

/** `/mcp/servers/:name` → `/mcp/servers/{name}` and its parameter names. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  return {
    path: path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (params.push(name), `{${name}}`)),
    params,
  };
}

function operation(key: string, doc: RouteDoc, params: string[]): Record<string, unknown> {
  const success = {
    type: 'object',
    required: ['success'],
    properties: { success: { const: true }, ...Object.fromEntries((doc.returns ?? []).map((f) => [f, {}])) },
  };
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    summary: doc.summary,
    tags: [doc.tag],
    parameters: [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(doc.query ?? {}).map(([name, description]) => ({
        name,
        in: 'query',
        required: false,
        description,
        schema: { type: 'string' },
      })),
    ],
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: z.toJSONSchema(doc.body, { io: 'input', unrepresentable: 'any' }),
              },
            },
          },
        }
      : {}),
    responses: {
      '200': { description: 'Success', content: { 'application/json': { schema: success } } },
      default: {
        description: 'Error (4xx bad input/not found/conflict, 5xx upstream)',
        content: { 'application/json': { schema: ERROR_BODY } },
      },
    },
  };
}

/** The OpenAPI 3.1 document, built from ROUTE_DOCS and the zod schemas the routes validate with. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, doc] of Object.entries(ROUTE_DOCS)) {
    const [method, rawPath] = key.split(' ') as [string, string];
    const { path, params } = openApiPath(rawPath);
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(key, doc, params) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mcp-api',
      version,
      description: 'HTTP gateway for MCP servers with per-user encrypted secrets.',
    },
    paths,
  };
}
