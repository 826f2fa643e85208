import type { IncomingMessage } from 'node:http';
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { webRequest } from './nodeAdapter.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A POST body the SDK's classification is bound to call 2026-07-28 (or refuse on that era's terms):
 * one JSON-RPC request or notification, not `initialize`, not a response, whose `params._meta` carries
 * the protocol-version claim. The SDK runs its own classification again in the handler; this spares
 * the first of the two (its zod type guards, a failing parse each, were 4% of a modern call's CPU).
 * Anything else goes through the SDK's predicate, so the two can only agree.
 */
export function claimsModernEra(method: string, body: unknown): boolean {
  if (method.toUpperCase() !== 'POST' || !isPlainObject(body)) return false;
  if (typeof body.method !== 'string' || body.method === 'initialize') return false;
  if ('result' in body || 'error' in body) return false;
  const params = body.params;
  if (!isPlainObject(params)) return false;
  const meta = params._meta;
  return isPlainObject(meta) && PROTOCOL_VERSION_META_KEY in meta;
}

/**
 * The era decision reads only the method and three headers when the body comes parsed (the SDK's
 * `parsedBody` path clones and reads nothing), so it gets a view over the Node headers instead of a
 * web Request (a Headers copy, a URL parse and an AbortSignal per request). A POST without a parsed
 * body still gets a real Request, whose body the SDK would read.
 */
function classifiable(req: IncomingMessage, body: unknown): Request {
  const method = req.method ?? 'GET';
  if (body === undefined && method.toUpperCase() === 'POST') return webRequest(req);
  const view: Pick<Request, 'method'> & { headers: Pick<Headers, 'get'> } = {
    method,
    headers: {
      get: (name: string): string | null => {
        const value = req.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
  return view as Request;
}

/** Whether /mcp serves this request on the 2026-07-28 side (the SDK's own routing decision). */
export async function isModernRequest(req: IncomingMessage, body: unknown): Promise<boolean> {
  if (claimsModernEra(req.method ?? 'GET', body)) return true;
  return !(await isLegacyRequest(classifiable(req, body), body));
}
