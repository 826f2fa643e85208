import { AppError } from '../../errors.js';
import type { DesiredServer, RunningServer, SupervisorAction } from './reconcile.js';
import { SecretRedactor } from './secretRedactor.js';
import { StartGate } from './startGate.js';
import type { CallOptions, ServerSnapshot, ToolDescriptor } from './types.js';
import type { UpstreamCatalog, UpstreamNotice } from '../client/upstreamCatalog.js';

export type { UpstreamNotice };

/** One catalogue operation (resources, prompts, completions) on one user's connection to a server. */
export interface CatalogOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** What is asked (`resources/read`, …), for error messages. */
  readonly what: string;
}

export type CatalogWork<T> = (catalog: UpstreamCatalog, signal: AbortSignal) => Promise<T>;

/** `username`: the per-user process or connection that announced it; undefined: the shared one. */
export type NoticeListener = (
  serverName: string,
  notice: UpstreamNotice,
  username: string | undefined,
) => void;

/** Why a server stops: `shutdown` (the gateway stops), `removed` (disabled or deleted), `replaced` (new generation). */
export type StopReason = 'shutdown' | 'removed' | 'replaced';

/** The slice of a supervisor the pool drives; a factory builds one per (server, generation). */
export interface Supervised {
  start(): void;
  stop(reason?: StopReason): Promise<void>;
  snapshot(): ServerSnapshot;
  /** `options.username` routes the call where a server runs per-user processes or connections. */
  callTool(
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * The tools this user's own process or connection offers, starting it if needed; undefined means the snapshot
   * applies.
   */
  toolsFor?(
    username: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<readonly ToolDescriptor[] | undefined>;
  /**
   * Runs `work` on the connection this user's requests go to (shared, their own process, or their own
   * OAuth connection), waiting within the budget while it connects.
   */
  withCatalog?<T>(username: string, options: CatalogOptions, work: CatalogWork<T>): Promise<T>;
  /** The user's OAuth tokens were replaced through the API. */
  credentialsChanged?(username: string): void;
  /** Per-user servers: this user's stored secrets for the server changed. */
  userSecretsChanged?(username: string): void;
  /** The user was deleted: stop whatever acts for them (per-user processes, remote connections). */
  userDeleted?(username: string): void;
  /** Tool pinning: the server offers this tool (to this user) but it waits for an admin's approval. */
  heldTool?(toolName: string, username?: string): boolean;
  /** A decorator's wrapped supervisor (diagnostics and tests). */
  readonly inner?: Supervised;
}

export interface SupervisedHooks {
  redact: (line: string) => string;
  /** Secret values (of this user) to scrub from this server's logs from now on. */
  remember: (username: string, values: Iterable<string>) => void;
  onChange: () => void;
  /** An upstream announced a resource/prompt change (`username`: on that user's own connection). */
  notice?: (notice: UpstreamNotice, username?: string) => void;
}

export type SupervisedFactory = (server: DesiredServer, hooks: SupervisedHooks) => Supervised;

interface Entry {
  readonly generation: number;
  readonly serverId: string | undefined;
  readonly server: Supervised;
  readonly redactor: SecretRedactor;
  /** Aborted when the entry is removed or replaced: a start still waiting for a slot gives up. */
  readonly dropped: AbortController;
  /** Resolves once the previous generation has fully stopped and this one was started (or dropped unstarted). */
  readonly started: Promise<void>;
}

export interface PoolOptions {
  /** Servers starting (spawned, not yet past `connecting`) at once; the rest queue. Default 8. */
  readonly startConcurrency?: number;
}

const DEFAULT_START_CONCURRENCY = 8;

/**
 * The imperative shell around `reconcile`: owns one supervised server per enabled server name and
 * executes start/stop/restart actions. Restarts replace the entry at once (status shows the new
 * generation connecting) and start it only after the old process is gone.
 */
export class ServerPool {
  private readonly entries = new Map<string, Entry>();
  /** The last generation of each disabled server, kept for its recent logs until the name runs again. */
  private readonly retired = new Map<string, { serverId: string | undefined; server: Supervised }>();
  private readonly listeners = new Set<() => void>();
  private readonly subscribers = new Set<() => void>();
  private readonly noticeListeners = new Set<NoticeListener>();

  private readonly gate: StartGate;

  constructor(
    private readonly create: SupervisedFactory,
    options: PoolOptions = {},
  ) {
    this.gate = new StartGate(options.startConcurrency ?? DEFAULT_START_CONCURRENCY);
  }

  running(): RunningServer[] {
    return [...this.entries].map(([name, e]) => ({ name, generation: e.generation }));
  }

  get(name: string): Supervised | undefined {
    return this.entries.get(name)?.server;
  }

  snapshot(name: string): ServerSnapshot | undefined {
    return this.entries.get(name)?.server.snapshot();
  }

  /** A stopped (disabled) server's last snapshot, so its recent logs stay visible; undefined while it runs. */
  stoppedSnapshot(name: string, serverId: string | undefined): ServerSnapshot | undefined {
    const kept = this.entries.has(name) ? undefined : this.retired.get(name);
    const last = kept?.serverId === serverId ? kept?.server : undefined;
    // Only the logs: tools, pid and status of a stopped generation must not look live.
    const snapshot = last?.snapshot();
    if (!snapshot) return undefined;
    const { logs, logCursor } = snapshot;
    return { status: 'disconnected', toolsList: [], logs, ...(logCursor ? { logCursor } : {}), restarts: 0 };
  }

  /** Drops kept logs of servers that no longer exist (removed), so the map stays bounded by registered names. */
  pruneStopped(exists: (name: string, serverId: string | undefined) => boolean): void {
    for (const [name, kept] of this.retired) if (!exists(name, kept.serverId)) this.retired.delete(name);
  }

  /** Every supervised server with its live snapshot, for metrics and readiness. */
  list(): Array<{ name: string; snapshot: ServerSnapshot }> {
    return [...this.entries].map(([name, e]) => ({ name, snapshot: e.server.snapshot() }));
  }

  redactor(name: string): SecretRedactor | undefined {
    return this.entries.get(name)?.redactor;
  }

  /** Called after any server started, stopped or changed status or tools; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** Something every list depends on changed outside the servers (tool pins approved, say): tell subscribers. */
  changed(): void {
    this.notify();
  }

  /** Resource/prompt list changes and resource updates from every server; returns the unsubscribe. */
  onNotice(listener: NoticeListener): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  async apply(actions: readonly SupervisorAction[]): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const action of actions) {
      if (action.kind === 'stop') {
        const old = this.entries.get(action.name);
        this.entries.delete(action.name);
        old?.dropped.abort();
        if (old) this.retired.set(action.name, { serverId: old.serverId, server: old.server });
        if (old) stops.push(old.started.then(() => old.server.stop('removed')));
      } else {
        stops.push(this.replace(action.server));
      }
    }
    this.notify();
    await Promise.all(stops);
  }

  /** Waits until the server is past `connecting` (bounded by timeout and signal) and returns its snapshot. */
  async settled(name: string, timeoutMs: number, signal?: AbortSignal): Promise<ServerSnapshot> {
    const entry = this.entries.get(name);
    if (!entry)
      throw new AppError('server_unavailable', `Server ${name} is not running`, { serverName: name });
    await entry.started;
    const current = (): Entry | undefined => this.entries.get(name);
    const isPending = (): boolean => current()?.server.snapshot().status === 'connecting';
    // One snapshot on the usual path (a pinned server's snapshot admits its whole tool list).
    let snapshot = current()?.server.snapshot();
    if (snapshot?.status === 'connecting') {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.listeners.delete(check);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const check = (): void => {
          if (!isPending()) done();
        };
        const timer = setTimeout(done, timeoutMs);
        this.listeners.add(check);
        signal?.addEventListener('abort', done, { once: true });
      });
      snapshot = current()?.server.snapshot();
    }
    if (signal?.aborted) throw new AppError('client_closed_request', 'The HTTP client disconnected');
    if (!snapshot)
      throw new AppError('server_unavailable', `Server ${name} is not running`, { serverName: name });
    return snapshot;
  }

  /** Gateway shutdown: every server stops, remote sessions are kept for the next start. */
  async stopAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    // Servers still queued for a start slot are dropped unstarted, not waited for.
    for (const e of all) e.dropped.abort();
    this.notify();
    await Promise.all(all.map((e) => e.started.then(() => e.server.stop('shutdown'))));
  }

  private replace(desired: DesiredServer): Promise<void> {
    const old = this.entries.get(desired.name);
    this.retired.delete(desired.name);
    const redactor = old?.redactor ?? new SecretRedactor();
    const server = this.create(desired, {
      redact: redactor.redact,
      remember: (username, values) => redactor.remember(username, values),
      onChange: () => this.notify(),
      notice: (notice, username) => {
        if (this.entries.get(desired.name)?.server !== server) return;
        for (const listener of [...this.noticeListeners]) listener(desired.name, notice, username);
      },
    });
    const isCurrent = (): boolean => this.entries.get(desired.name)?.server === server;
    const dropped = new AbortController();
    old?.dropped.abort();
    const stopped = old ? old.started.then(() => old.server.stop('replaced')) : Promise.resolve();
    const started = stopped.then(async () => {
      if (!isCurrent()) return;
      const release = await this.gate.acquire(dropped.signal);
      if (!release) return;
      if (!isCurrent()) return release();
      server.start();
      this.releaseWhenStarted(server, isCurrent, release, desired.config.startupTimeout);
    });
    const { generation, serverId } = desired;
    this.entries.set(desired.name, { generation, serverId, server, redactor, dropped, started });
    // The reactor waits for the old generation to stop, not for a start slot: a cold start of
    // hundreds of servers must not hold up reconciling the next event.
    return stopped;
  }

  /** Frees the start slot once the server is past `connecting`, is replaced or removed, or its startup time is up. */
  private releaseWhenStarted(
    server: Supervised,
    isCurrent: () => boolean,
    release: () => void,
    startupTimeoutMs: number,
  ): void {
    const done = (): void => {
      clearTimeout(timer);
      this.listeners.delete(check);
      release();
    };
    const check = (): void => {
      if (!isCurrent() || server.snapshot().status !== 'connecting') done();
    };
    const timer = setTimeout(done, startupTimeoutMs);
    timer.unref();
    this.listeners.add(check);
    check();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
    for (const subscriber of [...this.subscribers]) subscriber();
  }
}
