import type { IncomingMessage } from 'node:http';
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { webRequest } from './nodeAdapter.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export type Era = 'modern' | 'legacy';

/** A 2025-era revision, exactly (no padding, one value): ISO dates before the first modern one sort lower. */
const LEGACY_VERSION = /^(?:19|20)\d\d-\d\d-\d\d$/;
const FIRST_MODERN = '2026-07-28';
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const onlyRequestKeys = (body: Record<string, unknown>): boolean =>
  Object.keys(body).every((k) => REQUEST_KEYS.has(k));

/**
 * Where the SDK's classification is bound to send a request, decided from its shape alone when that
 * is plain; undefined when only the SDK's own predicate can say. The SDK classifies once more in its
 * handler (its zod type guards, one failing parse after another, were 4% of a call's CPU), so this
 * spares the first of the two. The test holds it to the SDK's `isLegacyRequest` case by case.
 * - modern: one request or notification (not `initialize`, not a response) whose `params._meta`
 *   carries the protocol-version claim; the SDK serves it, or refuses it, on the 2026-07-28 side;
 * - legacy: not a POST; or a well-formed 2025-era request or notification without `_meta`, under no
 *   MCP-Protocol-Version header or a plain pre-2026-07-28 one.
 */
export function eraOf(method: string, protocolHeader: string | undefined, body: unknown): Era | undefined {
  if (method.toUpperCase() !== 'POST') return 'legacy';
  if (!isPlainObject(body) || typeof body.method !== 'string') return undefined;
  const params = body.params;
  if (params !== undefined && !isPlainObject(params)) return undefined;
  const meta = params?._meta;
  const claim = isPlainObject(meta) && PROTOCOL_VERSION_META_KEY in meta;
  if (claim)
    return body.method === 'initialize' || 'result' in body || 'error' in body ? undefined : 'modern';
  if (meta !== undefined || body.jsonrpc !== '2.0' || !onlyRequestKeys(body)) return undefined;
  const legacyHeader =
    protocolHeader === undefined || (LEGACY_VERSION.test(protocolHeader) && protocolHeader < FIRST_MODERN);
  if (!legacyHeader) return undefined;
  return 'id' in body && typeof body.id !== 'string' && !Number.isSafeInteger(body.id) ? undefined : 'legacy';
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
  const header = req.headers['mcp-protocol-version'];
  const era = eraOf(req.method ?? 'GET', Array.isArray(header) ? header.join(', ') : header, body);
  if (era !== undefined) return era === 'modern';
  return !(await isLegacyRequest(classifiable(req, body), body));
}
