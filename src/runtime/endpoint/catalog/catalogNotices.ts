import type { Server } from '@modelcontextprotocol/server';
import type { ServerResponse } from 'node:http';
import type { ItemKind } from '../../../policy/accessPolicy.js';
import type { UpstreamNotice } from '../../client/upstreamCatalog.js';
import type { McpAccess } from '../access.js';
import type { LiveSession } from '../liveSession.js';
import type { ListenerGroup } from '../modernLeg.js';
import { isExposableServer } from '../toolCatalog.js';
import type { SessionSubscriptions } from './sessionSubscriptions.js';
import type { CatalogSource } from './catalogSource.js';
import { gatewayNaming, serverNaming, type Naming } from './naming.js';

/**
 * The access policy as the fan-out needs it: may the user use anything of this kind on this server,
 * or (with `name`) this one item.
 */
export type Visibility = (username: string, server: string, kind: ItemKind, name?: string) => boolean;

export interface CatalogNoticesOptions {
  readonly legacy: () => Iterable<LiveSession>;
  readonly modern: () => Iterable<ListenerGroup>;
  readonly subscriptions: (server: Server) => SessionSubscriptions | undefined;
  readonly catalog?: CatalogSource | undefined;
  readonly visibility?: Visibility | undefined;
}

const namingOf = (single: string | undefined): Naming =>
  single === undefined ? gatewayNaming : serverNaming(single);

/**
 * Fans upstream resource/prompt changes out to the clients that may hear them: legacy sessions
 * (their GET stream) and modern subscriptions/listen callers, each only for servers their filter
 * and the access policy let them see, and a change on one user's own connection only to that user.
 * Resource updates go to who subscribed (legacy resources/subscribe, modern `resourceSubscriptions`),
 * under the URI that client knows.
 */
export class CatalogNotices {
  constructor(private readonly o: CatalogNoticesOptions) {}

  route(server: string, notice: UpstreamNotice, username: string | undefined): void {
    const kind: ItemKind = notice.kind === 'prompts' ? 'prompt' : 'resource';
    const hears = (access: { username: string; filter: McpAccess['filter'] }): boolean =>
      (username === undefined || username === access.username) && this.sees(access, server, kind);
    for (const session of this.o.legacy()) {
      if (!hears(session)) continue;
      const s = session.server;
      if (notice.kind === 'resources') void s.sendResourceListChanged().catch(() => undefined);
      else if (notice.kind === 'prompts') void s.sendPromptListChanged().catch(() => undefined);
      else if (this.o.subscriptions(s)?.has(server, notice.uri)) {
        const uri = namingOf(session.filter.single).uri(server, notice.uri);
        void s.sendResourceUpdated({ uri }).catch(() => undefined);
      }
    }
    for (const group of this.o.modern()) {
      const { access } = group;
      if (!hears({ username: access.principal.username, filter: access.filter })) continue;
      if (notice.kind === 'resources') group.notify.resourcesChanged();
      else if (notice.kind === 'prompts') group.notify.promptsChanged();
      else if (this.o.visibility?.(access.principal.username, server, 'resource', notice.uri) ?? true)
        group.notify.resourceUpdated(namingOf(access.filter.single).uri(server, notice.uri));
    }
  }

  /**
   * A modern subscriptions/listen naming resources: the gateway subscribes upstream for as long as
   * the stream stays open (the SDK delivers only to streams whose filter names the URI).
   */
  async watchListen(body: unknown, access: McpAccess, res: ServerResponse): Promise<void> {
    const catalog = this.o.catalog;
    const uris = listenedUris(body);
    if (!catalog || uris.length === 0) return;
    const naming = namingOf(access.filter.single);
    const user = access.principal.username;
    const watching: Array<{ server: string; uri: string }> = [];
    const signal = AbortSignal.timeout(30_000);
    for (const exposed of uris) {
      const target = naming.parseUri(exposed);
      if (!target || !this.sees({ username: user, filter: access.filter }, target.server, 'resource'))
        continue;
      try {
        await catalog.subscribe(user, target.server, target.uri, signal);
        watching.push(target);
      } catch {
        // Not readable for this user (policy, unknown server): no updates, as for any unknown URI.
      }
    }
    res.once('close', () => {
      for (const w of watching)
        void catalog.unsubscribe(user, w.server, w.uri, AbortSignal.timeout(30_000)).catch(() => undefined);
    });
  }

  private sees(
    access: { username: string; filter: McpAccess['filter'] },
    server: string,
    kind: ItemKind,
  ): boolean {
    const { filter } = access;
    if (filter.single !== undefined && filter.single !== server) return false;
    if (filter.single === undefined && !isExposableServer(server)) return false;
    if (filter.servers && !filter.servers.has(server)) return false;
    return this.o.visibility?.(access.username, server, kind) ?? true;
  }
}

function listenedUris(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const message = body as {
    method?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  };
  if (message.method !== 'subscriptions/listen') return [];
  const uris = message.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string').slice(0, 256) : [];
}
