import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest, type Server } from '@modelcontextprotocol/server';
import type { Logger } from '../../logger.js';
import type { McpSessionRecord } from '../../projections/mcpSessionsProjection.js';
import type { McpAccess } from './access.js';
import { replayHandshake, serveNode, sessionTransport, type LiveSession } from './liveSession.js';
import { replyError } from './replies.js';
import { openedRecord, recordedFilter } from './sessionRecord.js';
import type { SessionLedger } from './sessionLedger.js';
import { sessionKey } from './sessionKey.js';
import { evictionsFor, isExpired, needsMark, type SessionTimings, type SessionUse } from './sessionPolicy.js';
import { fingerprint, visibleTools, type ServerTools } from './toolCatalog.js';

export interface LegacySessionsOptions {
  readonly ledger: SessionLedger;
  readonly timings: SessionTimings;
  /** A session's server, knowing the session's key (what it records its subscriptions under). */
  readonly build: (access: McpAccess, sessionKey: string) => Server;
  /** A rebuilt session gets back what its record holds besides the handshake, before its first request. */
  readonly revive?: (server: Server, record: McpSessionRecord) => Promise<void>;
  /** The catalogue one user may see (the access policy applied). */
  readonly servers: (username: string) => readonly ServerTools[];
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Legacy (2025-era) sessions: opened by `initialize`, recorded in the shared store, held live by
 * whichever instance serves them, rebuilt on demand from the record after a restart or on another
 * instance. Eviction and expiry follow sessionPolicy.ts.
 */
export class LegacySessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly rebuilding = new Map<string, Promise<LiveSession | undefined>>();
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly o: LegacySessionsOptions) {
    const every = Math.max(50, o.timings.markEveryMs);
    this.reaper = setInterval(() => void this.sweep(), every);
    this.reaper.unref();
  }

  get size(): number {
    return this.live.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, access: McpAccess): Promise<void> {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') return this.continue(sid, req, res, body, access);
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return replyError(res, 400, -32000, 'Bad Request: No valid session ID provided');
    }
    return this.open(req, res, body, access);
  }

  private async continue(
    sid: string,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    access: McpAccess,
  ): Promise<void> {
    const key = sessionKey(sid);
    const live = this.liveAndOpen(key);
    const owner = live ?? (await this.o.ledger.find(key));
    // A session belongs to the endpoint that opened it (/mcp or one server's): elsewhere it does not exist.
    if (!owner || owner.filter.single !== access.filter.single)
      return replyError(res, 404, -32001, 'Session not found');
    if (owner.subject !== access.principal.subject) {
      this.o.logger.warn('mcp session presented by another principal; refused', {
        sessionOwner: owner.username,
        presentedBy: access.principal.username,
      });
      return replyError(res, 403, -32000, 'This session belongs to another user; open a session of your own');
    }
    const session = live ?? (await this.rebuild(key, sid, access));
    if (!session) return replyError(res, 404, -32001, 'Session not found');
    this.track(session, res);
    return serveNode(session.transport, req, res, body, access);
  }

  private async open(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    access: McpAccess,
  ): Promise<void> {
    const { principal, filter } = access;
    if (!(await this.makeRoomFor(principal.username))) {
      const message =
        `User ${principal.username} already has ${this.o.timings.maxPerUser} MCP sessions in use; end ` +
        `one (DELETE /mcp) or retry later`;
      return replyError(res, 429, -32000, message, {
        'retry-after': String(Math.ceil(this.o.timings.protectMs / 1000)),
      });
    }
    // The id is drawn first: the session's server records its subscriptions under its key.
    const id = randomUUID();
    const server = this.o.build(access, sessionKey(id));
    const opened: { session?: LiveSession } = {};
    const now = this.o.now();
    const transport = sessionTransport(() => id, {
      onsessioninitialized: async (id) => {
        const key = sessionKey(id);
        // Recorded before the client learns the id: the record is what a restart or another instance resumes.
        await this.o.ledger.open(openedRecord(key, access, body)).catch((error: unknown) => {
          this.o.logger.error('recording a new mcp session failed', { error });
          throw new Error('the session could not be recorded; retry');
        });
        const owner = { key, subject: principal.subject, username: principal.username, filter };
        opened.session = this.adopt({ ...owner, openedAtMs: now, markedAt: now }, transport, server);
        this.track(opened.session, res);
        this.o.logger.info('mcp session opened', { username: principal.username, sessions: this.live.size });
      },
      onsessionclosed: async (id) => {
        this.unload(sessionKey(id));
        await this.o.ledger.close(sessionKey(id), 'deleted');
      },
    });
    await server.connect(transport);
    await serveNode(transport, req, res, body, access);
    // The SDK refused the initialize (malformed, or recording failed): nothing must stay behind.
    if (!opened.session) await server.close().catch(() => undefined);
  }

  /** A session closed elsewhere (DELETE or eviction on another instance) is let go here too. */
  private liveAndOpen(key: string): LiveSession | undefined {
    const live = this.live.get(key);
    if (live && !this.o.ledger.isOpen(key)) {
      this.unload(key, 'closed on another instance');
      return undefined;
    }
    return live;
  }

  private adopt(
    owner: Pick<LiveSession, 'key' | 'subject' | 'username' | 'filter' | 'openedAtMs'> & { markedAt: number },
    transport: LiveSession['transport'],
    server: Server,
  ): LiveSession {
    const { key, markedAt, ...rest } = owner;
    const session: LiveSession = {
      key,
      ...rest,
      transport,
      server,
      lastActivity: this.o.now(),
      lastMarkedAt: markedAt,
      open: 0,
      fingerprint: fingerprint(visibleTools(this.o.servers(rest.username), rest.filter)),
    };
    this.live.set(key, session);
    // The transport closing (DELETE, shutdown, unload) only forgets it here; the record stays.
    const previous = server.onclose;
    server.onclose = () => {
      if (this.live.get(key) === session) this.live.delete(key);
      previous?.();
    };
    return session;
  }

  private rebuild(key: string, sid: string, access: McpAccess): Promise<LiveSession | undefined> {
    let pending = this.rebuilding.get(key);
    if (!pending) {
      pending = this.restore(key, sid, access).finally(() => this.rebuilding.delete(key));
      this.rebuilding.set(key, pending);
    }
    return pending;
  }

  private async restore(key: string, sid: string, access: McpAccess): Promise<LiveSession | undefined> {
    const record = await this.o.ledger.find(key);
    if (!record) return undefined;
    const now = this.o.now();
    if (isExpired({ ...record, key, openHere: 0 }, now, this.o.timings)) {
      await this.o.ledger.close(key, 'idle');
      return undefined;
    }
    const filter = recordedFilter(record);
    // Who and what are the record's (the caller checked the requester against it); admission
    // (the rate limit) is the requester's.
    const principal = { username: record.username, subject: record.subject };
    const server = this.o.build({ principal, filter, admitCall: access.admitCall }, key);
    const transport = sessionTransport(() => sid, {
      onsessionclosed: async () => {
        this.unload(key);
        await this.o.ledger.close(key, 'deleted');
      },
    });
    await server.connect(transport);
    if (!(await replayHandshake(transport, sid, record))) {
      await server.close().catch(() => undefined);
      this.o.logger.error('an mcp session could not be restored', { username: record.username });
      return undefined;
    }
    await this.o.revive?.(server, record);
    this.o.logger.info('mcp session restored', { username: record.username });
    const owner = { key, subject: record.subject, username: record.username, filter };
    return this.adopt(
      { ...owner, openedAtMs: record.openedAtMs, markedAt: record.lastActiveAtMs },
      transport,
      server,
    );
  }

  /** Marks a request or stream of the session as open until `res` closes; records use now and then. */
  private track(session: LiveSession, res: { once(event: 'close', listener: () => void): unknown }): void {
    session.open += 1;
    this.used(session);
    res.once('close', () => {
      session.open -= 1;
      this.used(session);
    });
  }

  private used(session: LiveSession): void {
    const now = this.o.now();
    session.lastActivity = now;
    if (!needsMark(session.lastMarkedAt, now, this.o.timings)) return;
    session.lastMarkedAt = now;
    void this.o.ledger.markActive(session.key);
  }

  private use(record: McpSessionRecord): SessionUse {
    const here = this.live.get(record.sessionKey);
    const lastActiveAtMs = Math.max(record.lastActiveAtMs, here?.lastActivity ?? 0);
    return {
      key: record.sessionKey,
      openedAtMs: record.openedAtMs,
      lastActiveAtMs,
      openHere: here?.open ?? 0,
    };
  }

  private async makeRoomFor(username: string): Promise<boolean> {
    const victims = evictionsFor(
      this.o.ledger.ofUser(username).map((r) => this.use(r)),
      this.o.now(),
      this.o.timings,
    );
    if (!victims) return false;
    for (const key of victims) {
      this.unload(key, `the user opened more than ${this.o.timings.maxPerUser} sessions`);
      await this.o.ledger.close(key, 'evicted');
    }
    return true;
  }

  /** Expires sessions nobody used for the idle timeout, and keeps sessions with open streams marked as used. */
  async sweep(): Promise<void> {
    const now = this.o.now();
    for (const session of this.live.values()) {
      if (!this.liveAndOpen(session.key)) continue;
      if (session.open > 0) this.used(session);
      else if (now - session.lastActivity >= this.o.timings.idleTimeoutMs)
        this.unload(session.key, `idle for ${this.o.timings.idleTimeoutMs} ms`);
    }
    for (const record of this.o.ledger.all()) {
      if (isExpired(this.use(record), now, this.o.timings))
        await this.o.ledger.close(record.sessionKey, 'idle');
    }
  }

  /** Every live session held here (catalogue notifications are routed over them). */
  sessions(): IterableIterator<LiveSession> {
    return this.live.values();
  }

  /** Tool changes: every live session whose visible tools differ gets list_changed. */
  toolsChanged(): void {
    for (const s of this.live.values()) {
      // Per user: the access policy makes each user's list their own.
      const next = fingerprint(visibleTools(this.o.servers(s.username), s.filter));
      if (next === s.fingerprint) continue;
      s.fingerprint = next;
      s.server.sendToolListChanged().catch(() => undefined);
    }
  }

  private unload(key: string, reason?: string): void {
    const session = this.live.get(key);
    if (!session) return;
    this.live.delete(key);
    if (reason) this.o.logger.info('mcp session closed', { username: session.username, reason });
    void session.server.close().catch(() => undefined);
  }

  /** Shutdown: live sessions are let go, never closed in the record; a restart resumes them. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }
}
