import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Logger } from '../../logger.js';
import type { McpAccess } from './access.js';
import { LegacySessions } from './legacySessions.js';
import { serveNode } from './liveSession.js';
import { isModernRequest } from './era.js';
import { ModernLeg } from './modernLeg.js';
import { GatewayTasks } from '../relay/gatewayTasks.js';
import { ParkedCalls } from '../relay/parkedCalls.js';
import { replyError } from './replies.js';
import type { SessionLedger } from './sessionLedger.js';
import { sessionTimings } from './sessionPolicy.js';
import { createSessionServer, type McpToolSource } from './sessionServer.js';
import { fingerprint, visibleTools } from './toolCatalog.js';
import type { CatalogSource } from './catalog/catalogSource.js';
import { renewSubscriptions, SessionSubscriptions } from './catalog/sessionSubscriptions.js';
import { gatewayNaming, serverNaming } from './catalog/naming.js';
import { CatalogNotices, type Visibility } from './catalog/catalogNotices.js';
import type { UpstreamNotice } from '../client/upstreamCatalog.js';

export interface McpEndpointLimits {
  readonly maxSessionsPerUser: number;
  readonly sessionIdleTimeoutMs: number;
  readonly maxConcurrentCallsPerSession: number;
  /** `ttlMs` of tools/list on 2026-07-28 (default 60 s); list_changed still tells of changes at once. */
  readonly toolsListTtlMs?: number;
}

export interface McpEndpointOptions {
  readonly source: McpToolSource;
  readonly ledger: SessionLedger;
  readonly logger: Logger;
  readonly limits: McpEndpointLimits;
  readonly version?: string;
  readonly now?: () => number;
  /** Bursts of tool changes (a server restarting) become one check per this many ms. */
  readonly changeDebounceMs?: number;
  /** Resources, prompts and completions of the servers; absent: tools only. */
  readonly catalog?: CatalogSource | undefined;
  /** Who hears of a server's resource/prompt changes (the access policy); absent: everyone who sees the server. */
  readonly visibility?: Visibility | undefined;
}

/** One HTTP request to /mcp, as the thin HTTP route hands it over. */
export interface McpHttpRequest {
  /** Decided by the HTTP layer before any protocol handling; the same for every era. */
  readonly access: McpAccess;
  /** Legacy clients without a session: every POST stands alone and is answered with plain JSON. */
  readonly stateless: boolean;
  /** The parsed JSON body of a POST. */
  readonly body: unknown;
}

/**
 * The gateway's own MCP endpoint on one URL for both protocol eras: 2026-07-28 requests (with the
 * per-request `_meta` envelope) go to the modern leg, everything else (initialize, Mcp-Session-Id,
 * GET streams, DELETE) to legacy sessions. Both build their servers with createSessionServer.
 */
export class McpEndpoint {
  private readonly legacy: LegacySessions;
  private readonly modern: ModernLeg;
  private readonly log: Logger;
  private readonly build: (access: McpAccess, sessionKey?: string) => ReturnType<typeof createSessionServer>;
  private changeTimer: NodeJS.Timeout | undefined;
  private accessChanged = false;
  /** Access changes seen so far: a listener remembers the count it opened at. */
  private accessChanges = 0;
  private closed = false;
  /** 2026-07-28 calls waiting for the client's next round (a legacy upstream asked it something). */
  private readonly parked = new ParkedCalls();
  /** Tool calls clients asked to run as tasks: in this instance's memory, each bound to its user. */
  private readonly tasks = new GatewayTasks();
  /** Each legacy session's resource subscriptions, by its SDK server. */
  private readonly subscriptions = new WeakMap<object, SessionSubscriptions>();
  private readonly notices: CatalogNotices;

  constructor(private readonly options: McpEndpointOptions) {
    this.log = options.logger.child({ component: 'mcp-endpoint' });
    const build = (access: McpAccess, sessionKey?: string): ReturnType<typeof createSessionServer> => {
      // A legacy session records its resource subscriptions: a rebuilt session renews them.
      const subscriptions = new SessionSubscriptions(
        sessionKey === undefined
          ? undefined
          : (subscription, held) => options.ledger.recordSubscription(sessionKey, subscription, held),
      );
      const single = access.filter.single;
      const server = createSessionServer({
        source: options.source,
        access,
        maxConcurrentCalls: options.limits.maxConcurrentCallsPerSession,
        logger: this.log,
        version: options.version ?? '0.1.0',
        listTtlMs: options.limits.toolsListTtlMs ?? 60_000,
        parked: this.parked,
        tasks: this.tasks,
        catalog: options.catalog,
        naming: single === undefined ? gatewayNaming : serverNaming(single),
        subscriptions,
      });
      this.subscriptions.set(server, subscriptions);
      // A legacy session ends (DELETE, idle, eviction): what it subscribed to upstream is released.
      server.onclose = () => {
        for (const w of subscriptions.drain()) {
          const signal = AbortSignal.timeout(30_000);
          void options.catalog
            ?.unsubscribe(access.principal.username, w.server, w.uri, signal)
            .catch(() => undefined);
        }
      };
      return server;
    };
    this.modern = new ModernLeg(
      build,
      (error) => this.log.debug('mcp request refused', { error: error.message }),
      (access) => fingerprint(visibleTools(options.source.servers(access.principal.username), access.filter)),
      () => this.accessChanges,
    );
    this.legacy = new LegacySessions({
      ledger: options.ledger,
      timings: sessionTimings(options.limits.maxSessionsPerUser, options.limits.sessionIdleTimeoutMs),
      build,
      revive: async (server, record) => {
        const subscriptions = this.subscriptions.get(server);
        if (options.catalog && subscriptions && record.subscriptions.length > 0)
          await renewSubscriptions(
            options.catalog,
            record.username,
            record.subscriptions,
            subscriptions,
            this.log,
          );
      },
      servers: (username) => options.source.servers(username),
      logger: this.log,
      now: options.now ?? Date.now,
    });
    this.build = build;
    this.notices = new CatalogNotices({
      legacy: () => this.legacy.sessions(),
      modern: () => this.modern.listeners(),
      subscriptions: (server) => this.subscriptions.get(server),
      catalog: options.catalog,
      visibility: options.visibility,
    });
  }

  /** An upstream announced a resource/prompt change (`username`: on that user's own connection). */
  notice(serverName: string, notice: UpstreamNotice, username: string | undefined): void {
    if (!this.closed) this.notices.route(serverName, notice, username);
  }

  /** Resources, prompts and completions (the REST routes use the same source). */
  get catalog(): CatalogSource | undefined {
    return this.options.catalog;
  }

  /** Legacy sessions this instance holds live. */
  get sessionCount(): number {
    return this.legacy.size;
  }

  /** Callers with subscriptions/listen streams open here (none outlive their last stream). */
  get listenerCount(): number {
    return this.modern.listenerCount;
  }

  /** Answers the request (or keeps its SSE stream open); never throws, never leaves a request hanging. */
  async handle(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    try {
      if (this.closed) return replyError(res, 503, -32000, 'The gateway is shutting down');
      if (await isModernRequest(req, request.body)) {
        await this.notices.watchListen(request.body, request.access, res);
        return await this.modern.serve(req, res, request.body, request.access);
      }
      if (request.stateless) return await this.stateless(req, res, request);
      return await this.legacy.handle(req, res, request.body, request.access);
    } catch (error) {
      this.log.error('mcp request failed', { method: req.method, error });
      if (!res.headersSent) replyError(res, 500, -32603, 'Internal error');
      else res.end();
    }
  }

  private async stateless(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    if (req.method !== 'POST') {
      return replyError(res, 405, -32000, 'Method not allowed: stateless mode answers POST only', {
        allow: 'POST',
      });
    }
    const server = this.build(request.access);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    // The client hanging up ends the request: in-flight calls are cancelled upstream.
    res.once('close', () => void server.close().catch(() => undefined));
    await server.connect(transport);
    await serveNode(transport, req, res, request.body, request.access);
  }

  /** Something about some server's tools may have changed: sessions and listeners that care are told. */
  /** `accessChanged`: the access policy or groups changed, so per-user lists may differ with the same catalogue. */
  toolsChanged(accessChanged = false): void {
    this.accessChanged ||= accessChanged;
    if (accessChanged) this.accessChanges += 1;
    if (this.changeTimer || this.closed) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.legacy.toolsChanged();
      const force = this.accessChanged;
      this.accessChanged = false;
      const changes = this.accessChanges;
      // Per caller: a change to a server a caller cannot see (filter or policy) is not theirs to hear.
      for (const group of this.modern.listeners()) {
        const { username } = group.access.principal;
        const next = fingerprint(visibleTools(this.options.source.servers(username), group.access.filter));
        // Forced only for a listener that was open before the access change (one opened since knows it).
        const stale = force && group.accessChanges < changes;
        group.accessChanges = changes;
        if (next === group.fingerprint && !stale) continue;
        group.fingerprint = next;
        group.notify.toolsChanged();
      }
    }, this.options.changeDebounceMs ?? 50);
    this.changeTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.changeTimer);
    this.parked.close();
    this.tasks.close();
    await Promise.all([this.legacy.close(), this.modern.close()]);
  }
}
