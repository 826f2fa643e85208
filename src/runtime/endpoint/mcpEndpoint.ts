import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../logger.js';
import { BoundedEventStore } from './boundedEventStore.js';
import { createSessionServer, type McpPrincipal, type McpToolSource } from './sessionServer.js';
import { SessionRegistry, type Session } from './sessions.js';
import { fingerprint, visibleTools, type ToolFilter } from './toolCatalog.js';

export interface McpEndpointLimits {
  readonly maxSessionsPerUser: number;
  readonly sessionIdleTimeoutMs: number;
  readonly maxConcurrentCallsPerSession: number;
}

export interface McpEndpointOptions {
  readonly source: McpToolSource;
  readonly logger: Logger;
  readonly limits: McpEndpointLimits;
  readonly version?: string;
  readonly now?: () => number;
  /** Bursts of tool changes (a server restarting) become one check per this many ms. */
  readonly changeDebounceMs?: number;
}

/** One HTTP request to /mcp, as the thin HTTP route hands it over. */
export interface McpHttpRequest {
  readonly principal: McpPrincipal;
  /** Applies to a stateless request, or to the session an initialize request opens. */
  readonly filter: ToolFilter;
  /** No session: every POST stands alone and is answered with plain JSON. */
  readonly stateless: boolean;
  /** The parsed JSON body of a POST. */
  readonly body: unknown;
  readonly admitCall?: ((username: string) => void) | undefined;
}

const isInitialize = (body: unknown): boolean => (Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body));

function replyError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * The gateway's own MCP server over Streamable HTTP: stateful sessions bound to the principal
 * that opened them (SSE responses, GET stream, DELETE), or stateless JSON. One SDK Server per
 * session; tool changes anywhere reach every session whose visible tools changed.
 */
export class McpEndpoint {
  private readonly sessions: SessionRegistry;
  private readonly now: () => number;
  private readonly log: Logger;
  private changeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: McpEndpointOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'mcp-endpoint' });
    this.sessions = new SessionRegistry(
      { maxPerUser: options.limits.maxSessionsPerUser, idleTimeoutMs: options.limits.sessionIdleTimeoutMs },
      (session, reason) => this.closeSession(session, reason),
      this.now,
    );
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Answers the request (or keeps its SSE stream open); never throws, never leaves a request hanging. */
  async handle(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    try {
      await this.route(req, res, request);
    } catch (error) {
      this.log.error('mcp request failed', { method: req.method, error });
      if (!res.headersSent) replyError(res, 500, -32603, 'Internal error');
      else res.end();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    if (this.closed) return replyError(res, 503, -32000, 'The gateway is shutting down');
    if (request.stateless) return this.handleStateless(req, res, request);
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const session = this.sessions.get(sid);
      if (!session) return replyError(res, 404, -32001, 'Session not found');
      if (session.subject !== request.principal.subject) {
        this.log.warn('mcp session presented by another principal; refused', { sessionOwner: session.username, presentedBy: request.principal.username });
        return replyError(res, 403, -32000, 'This session belongs to another user; open a session of your own');
      }
      this.sessions.track(session, res);
      return session.transport.handleRequest(req, res, request.body);
    }
    if (req.method !== 'POST' || !isInitialize(request.body)) {
      return replyError(res, 400, -32000, 'Bad Request: No valid session ID provided');
    }
    return this.openSession(req, res, request);
  }

  /** Something about some server's tools may have changed; sessions that see a difference get list_changed. */
  toolsChanged(): void {
    if (this.changeTimer || this.closed) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.notifySessions();
    }, this.options.changeDebounceMs ?? 50);
    this.changeTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.changeTimer);
    this.sessions.stop();
    const all = this.sessions.all();
    for (const s of all) this.sessions.remove(s.id);
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }

  private async openSession(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    const { principal, filter } = request;
    this.sessions.makeRoomFor(principal.username);
    const server = this.buildServer(request);
    let session: Session | undefined;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      eventStore: new BoundedEventStore(),
      onsessioninitialized: (id) => {
        session = {
          id,
          subject: principal.subject,
          username: principal.username,
          filter,
          transport,
          server,
          lastActivity: this.now(),
          open: 0,
          fingerprint: fingerprint(visibleTools(this.options.source.servers(principal.username), filter)),
        };
        this.sessions.add(session);
        this.sessions.track(session, res);
        this.log.info('mcp session opened', { username: principal.username, sessions: this.sessions.size });
      },
      onsessionclosed: (id) => this.sessions.remove(id),
    });
    server.onclose = () => {
      if (transport.sessionId) this.sessions.remove(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, request.body);
    // The SDK refused the initialize (bad version, malformed): nothing must stay behind.
    if (!session) await server.close().catch(() => undefined);
  }

  private async handleStateless(req: IncomingMessage, res: ServerResponse, request: McpHttpRequest): Promise<void> {
    if (req.method !== 'POST') {
      return replyError(res, 405, -32000, 'Method not allowed: stateless mode answers POST only', { allow: 'POST' });
    }
    const server = this.buildServer(request);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // The client hanging up ends the request: in-flight calls are cancelled upstream.
    res.once('close', () => void server.close().catch(() => undefined));
    await server.connect(transport);
    await transport.handleRequest(req, res, request.body);
  }

  private buildServer(request: McpHttpRequest) {
    return createSessionServer({
      source: this.options.source,
      principal: request.principal,
      filter: request.filter,
      maxConcurrentCalls: this.options.limits.maxConcurrentCallsPerSession,
      admitCall: request.admitCall,
      logger: this.log,
      version: this.options.version ?? '0.1.0',
    });
  }

  private closeSession(session: Session, reason: string): void {
    this.log.info('mcp session closed', { username: session.username, reason });
    void session.server.close().catch(() => undefined);
  }

  private notifySessions(): void {
    for (const s of this.sessions.all()) {
      // Per user: the access policy makes each user's list their own.
      const next = fingerprint(visibleTools(this.options.source.servers(s.username), s.filter));
      if (next === s.fingerprint) continue;
      s.fingerprint = next;
      s.server.sendToolListChanged().catch(() => undefined);
    }
  }
}
