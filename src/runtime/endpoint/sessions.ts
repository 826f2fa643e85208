import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ToolFilter } from './toolCatalog.js';

export interface Session {
  readonly id: string;
  readonly subject: string;
  readonly username: string;
  readonly filter: ToolFilter;
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  lastActivity: number;
  /** HTTP requests or SSE streams of this session still open. */
  open: number;
  /** What this session's client last saw of tools/list (see toolCatalog.fingerprint). */
  fingerprint: string;
}

export interface SessionLimits {
  /** Sessions one user may hold; the least recently active is closed to admit a new one. */
  readonly maxPerUser: number;
  /** A session with no request and no open stream for this long is closed. */
  readonly idleTimeoutMs: number;
}

/** The live stateful sessions, with the per-user cap and the idle reaper. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly limits: SessionLimits,
    private readonly close: (session: Session, reason: string) => void,
    private readonly now: () => number,
  ) {
    const every = Math.max(50, Math.min(60_000, Math.floor(limits.idleTimeoutMs / 2)));
    this.reaper = setInterval(() => this.reapIdle(), every);
    this.reaper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  /** Closes the user's least recently active sessions until one more fits. */
  makeRoomFor(username: string): void {
    const mine = this.all().filter((s) => s.username === username);
    mine.sort((a, b) => a.lastActivity - b.lastActivity);
    while (mine.length >= this.limits.maxPerUser) {
      const oldest = mine.shift() as Session;
      this.remove(oldest.id);
      this.close(oldest, `the user opened more than ${this.limits.maxPerUser} sessions`);
    }
  }

  /** Marks a request or stream of the session as open until `res` closes. */
  track(session: Session, res: { once(event: 'close', listener: () => void): unknown }): void {
    session.open += 1;
    session.lastActivity = this.now();
    res.once('close', () => {
      session.open -= 1;
      session.lastActivity = this.now();
    });
  }

  reapIdle(): void {
    const cutoff = this.now() - this.limits.idleTimeoutMs;
    for (const s of this.all()) {
      if (s.open === 0 && s.lastActivity <= cutoff) {
        this.remove(s.id);
        this.close(s, `idle for ${this.limits.idleTimeoutMs} ms`);
      }
    }
  }

  stop(): void {
    clearInterval(this.reaper);
  }
}
