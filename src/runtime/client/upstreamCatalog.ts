import type { Client } from '@modelcontextprotocol/client';
import type { JsonObject, RequestLimits } from '../core/types.js';

/** The catalogue requests the gateway forwards to an upstream as they are (results passed through as JSON). */
export type CatalogMethod =
  | 'resources/read'
  | 'prompts/get'
  | 'completion/complete'
  | 'resources/list'
  | 'resources/templates/list'
  | 'prompts/list';

/** The lists an upstream offers besides tools, cached per connection like its tools. */
export type CatalogList = 'resources' | 'resourceTemplates' | 'prompts';

/** Something an upstream announced: a list changed, or a subscribed resource was updated. */
export type UpstreamNotice =
  | { readonly kind: 'resources' }
  | { readonly kind: 'prompts' }
  | { readonly kind: 'resourceUpdated'; readonly uri: string };

const LIST_METHOD: Record<CatalogList, CatalogMethod> = {
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
  prompts: 'prompts/list',
};

/** Against servers that never stop paginating. */
const MAX_PAGES = 100;

/** What a server without the capability answers: an empty list, never an error. */
const METHOD_NOT_FOUND = -32601;

/**
 * The resources, templates and prompts of one upstream connection: listed lazily (every page),
 * cached until the upstream says its list changed (legacy: unsolicited notifications; modern: the
 * subscriptions/listen stream this class keeps open), plus pass-through reads, gets, completions
 * and resource subscriptions (legacy resources/subscribe; modern `resourceSubscriptions` on listen).
 */
export class UpstreamCatalog {
  private readonly cached = new Map<CatalogList, Promise<JsonObject[]>>();
  private readonly watched = new Map<string, number>();
  private listening: { close(): Promise<void> } | undefined;
  private relisten: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly onNotice: (notice: UpstreamNotice) => void,
    private readonly onNote: (line: string) => void = () => undefined,
  ) {
    const changed = (kind: 'resources' | 'prompts') => (): void => {
      if (kind === 'resources') {
        this.cached.delete('resources');
        this.cached.delete('resourceTemplates');
        onNotice({ kind: 'resources' });
      } else {
        this.cached.delete('prompts');
        onNotice({ kind: 'prompts' });
      }
    };
    client.setNotificationHandler('notifications/resources/list_changed', changed('resources'));
    client.setNotificationHandler('notifications/prompts/list_changed', changed('prompts'));
    client.setNotificationHandler('notifications/resources/updated', (n) =>
      onNotice({ kind: 'resourceUpdated', uri: n.params.uri }),
    );
  }

  /** Every item of one list (all pages), from the cache while the upstream has not announced a change. */
  list(kind: CatalogList, limits: RequestLimits): Promise<JsonObject[]> {
    let pending = this.cached.get(kind);
    if (!pending) {
      pending = this.walk(kind, limits);
      this.cached.set(kind, pending);
      // A failed walk is not remembered: the next caller tries again.
      pending.catch(() => this.cached.get(kind) === pending && this.cached.delete(kind));
    }
    return pending;
  }

  /**
   * One pass-through request; the result comes back as the upstream sent it. `allowInputRequired`: a
   * 2026-07-28 `input_required` answer is returned too (for a modern caller to fulfil), not fulfilled here.
   */
  async request(
    method: CatalogMethod,
    params: JsonObject,
    limits: RequestLimits & { allowInputRequired?: boolean },
  ): Promise<JsonObject> {
    const result = await this.client.request(
      { method, params },
      {
        signal: limits.signal,
        timeout: limits.timeoutMs,
        allowInputRequired: limits.allowInputRequired === true,
      },
    );
    return JSON.parse(JSON.stringify(result)) as JsonObject;
  }

  /** Counted: the upstream subscription ends when the last watcher of the URI leaves. */
  async subscribe(uri: string, limits: RequestLimits): Promise<void> {
    const count = this.watched.get(uri) ?? 0;
    this.watched.set(uri, count + 1);
    if (count > 0) return;
    try {
      // A modern upstream without resource subscriptions would only have its listen stream reopened for
      // nothing (and its acknowledgement waited for): the watch is remembered, nothing is asked upstream.
      if (this.modern()) await (this.subscribable() ? this.listen() : undefined);
      else
        await this.client.request(
          { method: 'resources/subscribe', params: { uri } },
          { signal: limits.signal, timeout: limits.timeoutMs },
        );
    } catch (error) {
      this.release(uri);
      throw error;
    }
  }

  async unsubscribe(uri: string, limits: RequestLimits): Promise<void> {
    if (!this.release(uri)) return;
    if (this.modern()) return this.subscribable() ? this.listen() : undefined;
    await this.client.request(
      { method: 'resources/unsubscribe', params: { uri } },
      { signal: limits.signal, timeout: limits.timeoutMs },
    );
  }

  /** Modern upstreams: one listen stream for list changes (and the watched resources), opened after connect. */
  listen(): Promise<void> {
    if (!this.modern()) return Promise.resolve();
    this.relisten = this.relisten.then(() => this.reopen()).catch(() => undefined);
    return this.relisten;
  }

  close(): void {
    void this.listening?.close().catch(() => undefined);
    this.listening = undefined;
  }

  private release(uri: string): boolean {
    const count = this.watched.get(uri) ?? 0;
    if (count <= 1) this.watched.delete(uri);
    else this.watched.set(uri, count - 1);
    return count === 1;
  }

  private subscribable(): boolean {
    return this.client.getServerCapabilities()?.resources?.subscribe === true;
  }

  private modern(): boolean {
    return this.client.getProtocolEra() === 'modern';
  }

  private async reopen(): Promise<void> {
    const caps = this.client.getServerCapabilities();
    const filter = {
      ...(caps?.tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(caps?.resources?.listChanged ? { resourcesListChanged: true } : {}),
      ...(caps?.prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(caps?.resources?.subscribe && this.watched.size > 0
        ? { resourceSubscriptions: [...this.watched.keys()] }
        : {}),
    };
    const previous = this.listening;
    this.listening = undefined;
    await previous?.close().catch(() => undefined);
    if (Object.keys(filter).length === 0) return;
    try {
      this.listening = await this.client.listen(filter);
    } catch (error) {
      this.onNote(`subscribing to changes failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async walk(kind: CatalogList, limits: RequestLimits): Promise<JsonObject[]> {
    const caps = this.client.getServerCapabilities();
    if (caps && !(kind === 'prompts' ? caps.prompts : caps.resources)) return [];
    const items: JsonObject[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let result: JsonObject;
      try {
        result = await this.request(LIST_METHOD[kind], cursor === undefined ? {} : { cursor }, limits);
      } catch (error) {
        if ((error as { code?: unknown }).code === METHOD_NOT_FOUND) return [];
        throw error;
      }
      const pageItems = result[kind];
      if (Array.isArray(pageItems)) for (const item of pageItems) if (isObject(item)) items.push(item);
      const next = result.nextCursor;
      if (typeof next !== 'string' || next === '') return items;
      if (seen.has(next)) break;
      seen.add(next);
      cursor = next;
    }
    this.onNote(`${LIST_METHOD[kind]} stopped early (page limit or repeated cursor)`);
    return items;
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
