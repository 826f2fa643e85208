import {
  ProtocolError,
  ProtocolErrorCode,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isAppError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { CatalogList } from '../../client/upstreamCatalog.js';
import type { JsonObject } from '../../core/types.js';
import { callerOfRequest, type McpAccess } from '../access.js';
import { isExposableServer } from '../toolCatalog.js';
import type { CatalogCall, CatalogSource } from './catalogSource.js';
import { renameUris, type Naming } from './naming.js';
import { pageOf } from './paging.js';
import type { SessionSubscriptions } from './sessionSubscriptions.js';

export interface CatalogHandlerOptions {
  readonly catalog: CatalogSource;
  readonly access: McpAccess;
  readonly naming: Naming;
  readonly logger: Logger;
  /** Legacy sessions: where resources/subscribe is remembered (updates are routed by it). */
  readonly subscriptions: SessionSubscriptions;
}

/** The servers whose catalogue this caller sees here (the session's `servers` filter applied). */
export function catalogServers(catalog: CatalogSource, access: McpAccess, naming: Naming): string[] {
  const names = catalog.serverNames();
  if (naming.single !== undefined) return names.includes(naming.single) ? [naming.single] : [];
  const only = access.filter.servers;
  return names.filter((n) => isExposableServer(n) && (!only || only.has(n)));
}

/** What a 2026-07-28 client sends back after an `input_required` answer (passed upstream as it is). */
function retryOf(
  inputResponses: unknown,
  requestState: unknown,
): { inputResponses?: JsonObject; requestState?: string } {
  return {
    ...(typeof inputResponses === 'object' && inputResponses !== null
      ? { inputResponses: inputResponses as JsonObject }
      : {}),
    ...(typeof requestState === 'string' ? { requestState } : {}),
  };
}

const RENAMED_KEY: Record<CatalogList, string> = {
  resources: 'uri',
  resourceTemplates: 'uriTemplate',
  prompts: 'name',
};

/**
 * resources/list, resources/templates/list, resources/read, resources/subscribe and unsubscribe,
 * prompts/list, prompts/get and completion/complete over every server the caller sees: lists are
 * merged (sorted by server) and paged by the gateway; a read, get or completion goes to the one
 * server its (renamed) URI or name points to. Denied and unknown items answer alike.
 */
export function registerCatalog(server: Server, o: CatalogHandlerOptions): void {
  const user = o.access.principal.username;
  const list = async (kind: CatalogList, cursor: string | undefined, signal: AbortSignal) => {
    const servers = catalogServers(o.catalog, o.access, o.naming);
    const lists = await Promise.all(
      servers.map((s) =>
        o.catalog.list(user, s, kind, signal).then(
          (items) => items.map((item) => rename(kind, s, item)),
          (error: unknown) => {
            // One server failing must not hide the others' items.
            o.logger.debug('listing an upstream catalogue failed', { server: s, kind, error });
            return [] as JsonObject[];
          },
        ),
      ),
    );
    return pageOf(lists.flat(), cursor);
  };
  const rename = (kind: CatalogList, s: string, item: JsonObject): JsonObject => {
    const key = RENAMED_KEY[kind];
    const value = item[key];
    if (typeof value !== 'string') return item;
    return { ...item, [key]: kind === 'prompts' ? o.naming.name(s, value) : o.naming.uri(s, value) };
  };
  const target = (uri: string): { server: string; uri: string } => {
    const parsed = o.naming.parseUri(uri);
    if (!parsed || !catalogServers(o.catalog, o.access, o.naming).includes(parsed.server))
      throw resourceNotFound(uri);
    return parsed;
  };
  const call = async (s: string, request: CatalogCall, ctx: ServerContext, shown: string) => {
    try {
      // Reads, gets and completions count against the user's call rate limit, as tool calls do.
      o.access.admitCall?.(user, 'calls');
      return await o.catalog.call(user, s, request, ctx.mcpReq.signal, callerOfRequest(ctx, o.access));
    } catch (error) {
      throw protocolError(error, request, shown, o.logger);
    }
  };

  server.setRequestHandler('resources/list', async (req, ctx) => {
    const { items, nextCursor } = await list('resources', req.params?.cursor, ctx.mcpReq.signal);
    return { resources: items, ...(nextCursor ? { nextCursor } : {}) } as never;
  });
  server.setRequestHandler('resources/templates/list', async (req, ctx) => {
    const { items, nextCursor } = await list('resourceTemplates', req.params?.cursor, ctx.mcpReq.signal);
    return { resourceTemplates: items, ...(nextCursor ? { nextCursor } : {}) } as never;
  });
  server.setRequestHandler('prompts/list', async (req, ctx) => {
    const { items, nextCursor } = await list('prompts', req.params?.cursor, ctx.mcpReq.signal);
    return { prompts: items, ...(nextCursor ? { nextCursor } : {}) } as never;
  });
  server.setRequestHandler('resources/read', async (req, ctx) => {
    const { server: s, uri } = target(req.params.uri);
    const result = await call(s, { method: 'resources/read', uri }, ctx, req.params.uri);
    return renameUris(result, s, o.naming) as never;
  });
  server.setRequestHandler('prompts/get', async (req, ctx) => {
    const parsed = o.naming.parseName(req.params.name);
    if (!parsed || !catalogServers(o.catalog, o.access, o.naming).includes(parsed.server))
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${req.params.name}`);
    const request = {
      method: 'prompts/get' as const,
      name: parsed.name,
      arguments: req.params.arguments,
      ...(ctx.mcpReq.envelope !== undefined
        ? { modern: retryOf(ctx.mcpReq.inputResponses, ctx.mcpReq.requestState<unknown>()) }
        : {}),
    };
    const result = await call(parsed.server, request, ctx, req.params.name);
    return renameUris(result, parsed.server, o.naming) as never;
  });
  server.setRequestHandler('completion/complete', async (req, ctx) => {
    const { ref } = req.params;
    const routed =
      ref.type === 'ref/prompt'
        ? mapDefined(o.naming.parseName(ref.name), (p) => ({
            server: p.server,
            ref: { ...ref, name: p.name },
          }))
        : mapDefined(o.naming.parseUri(ref.uri), (p) => ({ server: p.server, ref: { ...ref, uri: p.uri } }));
    if (!routed || !catalogServers(o.catalog, o.access, o.naming).includes(routed.server))
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown completion reference');
    const params = JSON.parse(JSON.stringify({ ...req.params, ref: routed.ref })) as JsonObject;
    const shown = ref.type === 'ref/prompt' ? ref.name : ref.uri;
    return (await call(routed.server, { method: 'completion/complete', params }, ctx, shown)) as never;
  });
  server.setRequestHandler('resources/subscribe', async (req, ctx) => {
    const { server: s, uri } = target(req.params.uri);
    if (o.subscriptions.has(s, uri)) return {};
    if (o.subscriptions.full)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        'This session holds as many resource subscriptions as it may; unsubscribe from one first',
      );
    o.subscriptions.add(s, uri);
    try {
      await o.catalog.subscribe(user, s, uri, ctx.mcpReq.signal);
    } catch (error) {
      o.subscriptions.delete(s, uri);
      throw protocolError(error, { method: 'resources/read', uri }, req.params.uri, o.logger);
    }
    // Recorded before the answer: a restart after it renews the subscription.
    await o.subscriptions.record(s, uri, true);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (req, ctx) => {
    const { server: s, uri } = target(req.params.uri);
    if (o.subscriptions.delete(s, uri))
      await o.catalog.unsubscribe(user, s, uri, ctx.mcpReq.signal).catch(() => undefined);
    // Also when not held here: a recorded one a rebuild could not renew ends too.
    await o.subscriptions.record(s, uri, false);
    return {};
  });
}

const mapDefined = <T, U>(value: T | undefined, f: (v: T) => U): U | undefined =>
  value === undefined ? undefined : f(value);

const resourceNotFound = (uri: string): ProtocolError =>
  new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource not found: ${uri}`, { uri });

/** A server error (JSON-RPC's implementation-defined range); `data.retryAfterSeconds` says when to retry. */
const RATE_LIMITED = -32000;

const HIDDEN = new Set(['access_denied', 'server_not_found', 'server_disabled']);

/** Upstream JSON-RPC errors keep code, message and data; a denied item looks like an unknown one. */
function protocolError(error: unknown, request: CatalogCall, shown: string, logger: Logger): ProtocolError {
  if (!isAppError(error)) {
    logger.error('mcp catalogue request failed', { method: request.method, error });
    return new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error');
  }
  if (error.code === 'rate_limited')
    return new ProtocolError(RATE_LIMITED, error.message, { code: error.code, ...error.details });
  if (HIDDEN.has(error.code)) {
    if (request.method === 'resources/read') return resourceNotFound(shown);
    if (request.method === 'prompts/get')
      return new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${shown}`);
    return new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown completion reference');
  }
  const code = error.details.upstreamCode;
  if (error.code === 'upstream_error' && typeof code === 'number') {
    const data = error.details.upstreamData;
    // The upstream's data names its own URI: the client knows it by the gateway's.
    const shownData =
      request.method === 'resources/read' && data !== undefined ? { ...(data as object), uri: shown } : data;
    return new ProtocolError(code, error.message, shownData);
  }
  if (error.code === 'invalid_request')
    return new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
  return new ProtocolError(ProtocolErrorCode.InternalError, `${error.message} [${error.code}]`);
}
