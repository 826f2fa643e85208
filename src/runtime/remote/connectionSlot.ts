import { RemoteConnection, SessionExpiredError, httpStatusOf } from './remoteConnection.js';
import type { SessionRecorder, SessionRef } from './sessionRecorder.js';
import type { Negotiation, NegotiationMemory } from '../core/types.js';

export type Resume = { sessionId: string; protocolVersion?: string | undefined };

export interface SlotOptions {
  readonly ref: SessionRef;
  readonly url: string;
  readonly sessions: SessionRecorder;
  /** Builds a connection attempt; `onLost` must be wired to the connection's loss hook. */
  readonly build: (resume: Resume | undefined, prior: Negotiation | undefined, onLost: (reason: string) => void) => RemoteConnection;
  /** This connection's remembered negotiation (per server, per user): a reconnect skips the probe. */
  readonly negotiation?: NegotiationMemory | undefined;
  readonly startupTimeoutMs: number;
  /** Lazy slots open on first use; eager ones are opened by their owner and fail fast while down. */
  readonly lazy: boolean;
  readonly unavailable: () => Error;
  /** The current connection died (network failure, dropped stream). */
  readonly onLost?: (reason: string) => void;
  /** The slot was closed for good. */
  readonly onClosed?: () => void;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** The request never got an HTTP answer: the remote is down or unreachable. */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string' && NETWORK_CODES.has(cause.code)) return true;
  return error instanceof TypeError && /fetch failed|terminated/.test(error.message);
}

export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One logical connection to a remote server (the shared one, or one user's): opens single-flight,
 * resumes the persisted session of this URL, persists the session it ends up with, and recovers
 * from a forgotten session: a 404 on a connection holding a session id clears it (event),
 * re-initializes once and retries the request once.
 */
export class ConnectionSlot {
  private current: RemoteConnection | undefined;
  private opening: Promise<RemoteConnection> | undefined;
  private ended = false;

  constructor(private readonly o: SlotOptions) {}

  /** The live connection, if any. */
  get connection(): RemoteConnection | undefined {
    return this.current && !this.current.closed ? this.current : undefined;
  }

  get isOpening(): boolean {
    return this.opening !== undefined;
  }

  /** Opens a new connection (single-flight; one waiter's abort does not cancel it for the others). */
  open(): Promise<RemoteConnection> {
    this.opening ??= this.connect(false).finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** A live connection: the current one, the one being opened, or (lazy slots) a new one. */
  get(signal?: AbortSignal): Promise<RemoteConnection> {
    const live = this.connection;
    if (live) return Promise.resolve(live);
    if (this.opening || this.o.lazy) return raceSignal(this.open(), signal);
    return Promise.reject(this.o.unavailable());
  }

  async run<T>(op: (conn: RemoteConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const conn = await this.get(signal);
    try {
      return await op(conn);
    } catch (error) {
      if (isNetworkFailure(error)) this.lose(conn, `unreachable: ${error instanceof Error ? error.message : String(error)}`);
      if (httpStatusOf(error) !== 404 || !conn.sessionId) throw error;
      return op(await raceSignal(this.reinitialize(conn), signal));
    }
  }

  /** Ends the slot. `terminate`: also end the session upstream and forget it (disable, delete, update). */
  async close(terminate: boolean): Promise<void> {
    this.ended = true;
    this.o.onClosed?.();
    const conn = this.current ?? (await this.opening?.catch(() => undefined));
    this.current = undefined;
    if (!conn) return;
    const sessionId = conn.sessionId;
    if (!terminate) return conn.close();
    await conn.terminate();
    if (sessionId) await this.o.sessions.clear(this.o.ref, this.o.url, sessionId);
  }

  private reinitialize(failed: RemoteConnection): Promise<RemoteConnection> {
    if (this.current !== failed) return this.get();
    if (this.opening) return this.opening;
    const sessionId = failed.sessionId;
    this.current = undefined;
    failed.retire();
    this.opening = (async () => {
      if (sessionId) await this.o.sessions.clear(this.o.ref, this.o.url, sessionId);
      return this.connect(true);
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connect(fresh: boolean): Promise<RemoteConnection> {
    const persisted = fresh ? undefined : this.o.sessions.load(this.o.ref);
    const resume = persisted && persisted.url === this.o.url ? persisted : undefined;
    const prior = this.o.negotiation?.load();
    let conn = this.attempt(resume, prior);
    try {
      await conn.open(this.o.startupTimeoutMs);
    } catch (error) {
      if (error instanceof SessionExpiredError && resume) {
        await this.o.sessions.clear(this.o.ref, this.o.url, resume.sessionId);
      } else if (resume || !prior || isNetworkFailure(error)) {
        throw error;
      }
      // A forgotten session, or a remembered verdict the server no longer matches: negotiate afresh.
      conn = this.attempt(undefined, undefined);
      await conn.open(this.o.startupTimeoutMs);
    }
    if (conn.probed && conn.negotiation) this.o.negotiation?.record(conn.negotiation);
    if (this.ended) {
      await conn.close();
      throw this.o.unavailable();
    }
    const sessionId = conn.sessionId;
    if (sessionId) await this.o.sessions.record(this.o.ref, this.o.url, sessionId, conn.protocolVersion);
    else if (persisted) await this.o.sessions.clear(this.o.ref, persisted.url, persisted.sessionId);
    const previous = this.current;
    this.current = conn;
    // An explicit re-open (new credentials) replaces a still-open connection: let its requests finish.
    if (previous && previous !== conn) previous.retire();
    return conn;
  }

  private attempt(resume: Resume | undefined, prior: Negotiation | undefined): RemoteConnection {
    const conn: RemoteConnection = this.o.build(resume, prior, (reason) => this.lose(conn, reason));
    return conn;
  }

  private lose(conn: RemoteConnection, reason: string): void {
    if (conn !== this.current) return;
    this.current = undefined;
    void conn.close();
    this.o.onLost?.(reason);
  }
}
