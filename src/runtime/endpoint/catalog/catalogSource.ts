import { AppError, notFound } from '../../../errors.js';
import type { Access } from '../../../policy/access.js';
import type { ItemKind } from '../../../policy/accessPolicy.js';
import type { ReadModels } from '../../../projections/readModels.js';
import type { CatalogList, CatalogMethod } from '../../client/upstreamCatalog.js';
import type { CatalogWork, ServerPool } from '../../core/serverPool.js';
import type { CallerInfo, JsonObject } from '../../core/types.js';

/** The requests a client makes of one server's catalogue, with original names and URIs. */
export type CatalogCall =
  | { readonly method: 'resources/read'; readonly uri: string }
  | {
      readonly method: 'prompts/get';
      readonly name: string;
      readonly arguments?: Record<string, string>;
      /**
       * A 2026-07-28 caller: an `input_required` answer goes back to it unchanged, and its retry
       * (`inputResponses`, `requestState`) goes upstream verbatim.
       */
      readonly modern?: { readonly inputResponses?: JsonObject; readonly requestState?: string };
    }
  | { readonly method: 'completion/complete'; readonly params: JsonObject };

/**
 * Resources, resource templates, prompts and completions of the servers behind the gateway, for
 * one user: the same access policy as tools (kind `resource` by URI or URI template, `prompt` by
 * name), the user's own process or OAuth connection where the server has them. /mcp (both eras),
 * the per-server endpoint and the REST routes all come through here.
 */
export interface CatalogSource {
  /** Enabled servers, sorted by name (what a user may see in them is decided per item). */
  serverNames(): string[];
  list(username: string, server: string, kind: CatalogList, signal: AbortSignal): Promise<JsonObject[]>;
  /** `caller`: who asked, for the audit trail (the catalogue itself does not look at it). */
  call(
    username: string,
    server: string,
    call: CatalogCall,
    signal: AbortSignal,
    caller?: CallerInfo,
  ): Promise<JsonObject>;
  subscribe(username: string, server: string, uri: string, signal: AbortSignal): Promise<void>;
  unsubscribe(username: string, server: string, uri: string, signal: AbortSignal): Promise<void>;
}

/** What the policy calls an item of a list: resources by URI, templates by URI template, prompts by name. */
export function itemName(kind: CatalogList, item: JsonObject): string {
  const key = kind === 'resources' ? 'uri' : kind === 'resourceTemplates' ? 'uriTemplate' : 'name';
  const value = item[key];
  return typeof value === 'string' ? value : '';
}

const KIND: Record<CatalogList, ItemKind> = {
  resources: 'resource',
  resourceTemplates: 'resource',
  prompts: 'prompt',
};

/** What a completion asks about, as the policy names it. */
function completionTarget(params: JsonObject): { kind: ItemKind; name: string } {
  const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
  if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') return { kind: 'prompt', name: ref.name };
  if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') return { kind: 'resource', name: ref.uri };
  throw new AppError('invalid_request', 'completion/complete needs a ref/prompt or ref/resource reference');
}

export function gatewayCatalogSource(
  readModels: () => ReadModels,
  pool: ServerPool,
  access: Access | undefined,
): CatalogSource {
  const viewOf = (server: string) => {
    const view = readModels().servers.get(server);
    if (!view) throw notFound(server);
    if (!view.enabled)
      throw new AppError('server_disabled', `Server ${server} is disabled`, { serverName: server });
    return view;
  };
  const run = <T>(
    username: string,
    server: string,
    what: string,
    signal: AbortSignal,
    work: CatalogWork<T>,
  ) => {
    const view = viewOf(server);
    const supervised = pool.get(server);
    if (!supervised?.withCatalog)
      throw new AppError('server_unavailable', `Server ${server} is not running`, { serverName: server });
    return supervised.withCatalog(username, { timeoutMs: view.config.timeout, signal, what }, work);
  };
  const assert = (username: string, server: string, kind: ItemKind, name: string): void =>
    access?.assert(username, { server, kind, name });
  return {
    serverNames: () =>
      [...readModels().servers.values()]
        .filter((v) => v.enabled)
        .map((v) => v.name)
        .sort(),
    async list(username, server, kind, signal) {
      const items = await run(username, server, `${kind} list`, signal, (c, s) =>
        c.list(kind, { signal: s, timeoutMs: viewOf(server).config.timeout }),
      );
      if (!access) return items;
      return items.filter((item) =>
        access.allows(username, { server, kind: KIND[kind], name: itemName(kind, item) }),
      );
    },
    call(username, server, request, signal) {
      const { method } = request;
      let params: JsonObject;
      if (request.method === 'resources/read') {
        assert(username, server, 'resource', request.uri);
        params = { uri: request.uri };
      } else if (request.method === 'prompts/get') {
        assert(username, server, 'prompt', request.name);
        params = {
          name: request.name,
          ...(request.arguments ? { arguments: request.arguments } : {}),
          ...request.modern,
        };
      } else {
        const target = completionTarget(request.params);
        assert(username, server, target.kind, target.name);
        params = request.params;
      }
      return run(username, server, method, signal, (c, s) =>
        c.request(method satisfies CatalogMethod, params, {
          signal: s,
          timeoutMs: viewOf(server).config.timeout,
          allowInputRequired: request.method === 'prompts/get' && request.modern !== undefined,
        }),
      );
    },
    subscribe(username, server, uri, signal) {
      assert(username, server, 'resource', uri);
      return run(username, server, 'resources/subscribe', signal, (c, s) =>
        c.subscribe(uri, { signal: s, timeoutMs: viewOf(server).config.timeout }),
      );
    },
    unsubscribe(username, server, uri, signal) {
      return run(username, server, 'resources/unsubscribe', signal, (c, s) =>
        c.unsubscribe(uri, { signal: s, timeoutMs: viewOf(server).config.timeout }),
      );
    },
  };
}
