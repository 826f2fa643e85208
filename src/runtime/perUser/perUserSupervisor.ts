import { AppError } from '../../errors.js';
import { discoverTools, type Discovery } from '../stdio/discoverTools.js';
import { DEFAULT_IDENTITY } from '../stdio/stdioSupervisor.js';
import { SupervisorState } from '../core/supervisorState.js';
import { leastRecentlyUsedIdle, tooManyProcesses, type ProcessBudget } from './processBudget.js';
import type { Supervised, SupervisedHooks } from '../core/serverPool.js';
import type {
  CallOptions,
  NegotiationMemory,
  ServerSnapshot,
  ServerStatus,
  ToolDescriptor,
  ToolResult,
} from '../core/types.js';
import { UserProcess, type UserProcessTemplate } from './userProcess.js';

export interface PerUserLimits {
  /** Per-user processes of one server at once. */
  readonly maxPerServer: number;
  /** A process with no call for this long is stopped. */
  readonly idleTimeoutMs: number;
}

export interface PerUserSupervisorOptions {
  readonly template: UserProcessTemplate;
  readonly hooks: SupervisedHooks;
  /** This user's secrets for this server, decrypted and filtered to injectable names. */
  readonly secrets: (username: string) => Record<string, string>;
  /** Loads what `secrets` needs to decrypt (a data key sealed by another instance); before a process starts. */
  readonly prepare?: (username: string) => Promise<void>;
  readonly budget: ProcessBudget;
  readonly limits: PerUserLimits;
  /** Each user's process remembers its own negotiation (never shared across users). */
  readonly negotiation?: ((username: string) => NegotiationMemory) | undefined;
  readonly now?: () => number;
}

/**
 * A server with secretDelivery "env": one supervised process per user, started on that user's first
 * call with that user's secrets in its environment, stopped when idle, capped per server and per
 * gateway (least recently used idle process first). Its own status is the dispatcher's: `connected`
 * once the tool list is known (or known to be unknowable without secrets).
 */
export class PerUserSupervisor implements Supervised {
  private readonly processes = new Map<string, UserProcess>();
  private readonly state: SupervisorState;
  private readonly now: () => number;
  private active = false;
  private discovery: Discovery | undefined;
  private nextId = 1;

  constructor(private readonly options: PerUserSupervisorOptions) {
    this.state = new SupervisorState({
      logger: options.template.logger,
      onChange: options.hooks.onChange,
      logLimit: options.template.logLimit,
      redact: options.hooks.redact,
    });
    this.now = options.now ?? Date.now;
  }

  private get name(): string {
    return this.options.template.name;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.setState('connecting', undefined);
    const t = this.options.template;
    const discovery = discoverTools({
      transport: t.transport,
      parentEnv: t.parentEnv,
      startupTimeoutMs: t.startupTimeoutMs,
      shutdownGraceMs: t.shutdownGraceMs,
      registry: t.registry,
      sandbox: t.sandbox,
      identity: t.identity ?? DEFAULT_IDENTITY,
      log: (line) => this.state.note(line),
    });
    this.discovery = discovery;
    discovery.tools.then(
      (tools) => {
        if (this.discovery !== discovery || !this.active) return;
        this.state.tools = tools;
        this.setState('connected', undefined);
      },
      (error: unknown) => {
        if (this.discovery !== discovery || !this.active) return;
        const reason = error instanceof Error ? error.message : String(error);
        this.state.note(
          `[supervisor] listing tools without user secrets failed (${reason}); each user's process lists them`,
        );
        this.setState(
          'connected',
          `Tools are listed once a user's process has started (discovery without secrets failed: ${reason})`,
        );
      },
    );
  }

  async stop(): Promise<void> {
    this.active = false;
    const discovery = this.discovery;
    this.discovery = undefined;
    const stops = [...this.processes.values()].map((p) => p.evict('server stopped'));
    this.setState('disconnected', undefined);
    await Promise.all([...stops, discovery?.cancel()]);
  }

  snapshot(): ServerSnapshot {
    const list = [...this.processes.values()];
    return {
      ...this.state.view(),
      restarts: list.reduce((sum, p) => sum + p.snapshot().restarts, 0),
      processes: {
        count: list.length,
        limit: this.options.limits.maxPerServer,
        idleTimeoutMs: this.options.limits.idleTimeoutMs,
        states: list.map((p) => p.describe()),
      },
    };
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    return this.withProcess(options.username, options.signal, (p) =>
      // [obs hook] trace: options.trace
      p.managed.callTool(tool, args, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onProgress: options.onProgress,
        trace: options.trace,
        relay: options.relay,
        asTask: options.asTask,
      }),
    );
  }

  /** The user's own process lists the tools (starting it if needed): its list is authoritative for that user. */
  toolsFor(
    username: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ToolDescriptor[]> {
    return this.withProcess(username, options.signal, async (p) => p.snapshot().toolsList);
  }

  /** The user was deleted: their process (with their old secrets in its environment) stops now. */
  userDeleted(username: string): void {
    void this.processes.get(username)?.evict('the user was deleted');
  }

  userSecretsChanged(username: string): void {
    const p = this.processes.get(username);
    if (!p) return;
    let env: Record<string, string>;
    try {
      env = this.options.secrets(username);
    } catch {
      void p.evict('its secrets can no longer be decrypted');
      return;
    }
    if (Object.keys(env).length === 0) {
      void p.evict('the user has no secrets for this server any more');
      return;
    }
    this.remember(env);
    this.state.note(`[process ${p.id}] restarting: the user's secrets changed`);
    p.restartWith(env, () => this.processes.get(username) === p && this.active);
    this.scheduleIdle(p);
  }

  /** Holds the user's process (starting it if needed, within startupTimeout) for the duration of `work`. */
  private async withProcess<T>(
    username: string | undefined,
    signal: AbortSignal | undefined,
    work: (p: UserProcess) => Promise<T>,
  ): Promise<T> {
    if (username === undefined)
      throw new AppError(
        'internal_error',
        `Server ${this.name} runs per-user processes; a call must name its user`,
      );
    if (!this.processes.has(username)) await this.options.prepare?.(username);
    const p = this.acquire(username);
    p.inFlight += 1;
    p.lastUsed = this.now();
    clearTimeout(p.idleTimer);
    try {
      await p.whenConnected(this.options.template.startupTimeoutMs, signal);
      return await work(p);
    } finally {
      p.inFlight -= 1;
      p.lastUsed = this.now();
      if (p.inFlight === 0) this.scheduleIdle(p);
    }
  }

  /** The user's process, or a new one once there is room. Synchronous: concurrent first calls share one. */
  private acquire(username: string): UserProcess {
    const existing = this.processes.get(username);
    if (existing) return existing;
    if (!this.active)
      throw new AppError('server_unavailable', `Server ${this.name} is not running`, {
        serverName: this.name,
      });
    // Decrypt first: a user whose secrets cannot be opened must not cost anyone else their process.
    const env = this.options.secrets(username);
    const waits: Promise<void>[] = [];
    const { maxPerServer } = this.options.limits;
    if (this.processes.size >= maxPerServer) {
      const victim = leastRecentlyUsedIdle(this.processes.values());
      if (!victim) {
        throw tooManyProcesses(
          `Server ${this.name} already runs its maximum of ${maxPerServer} per-user processes and all are busy; retry shortly`,
          {
            serverName: this.name,
            limit: maxPerServer,
            scope: 'server',
          },
        );
      }
      waits.push(victim.evict('least recently used, making room for another user'));
    }
    waits.push(this.options.budget.makeRoom());
    this.remember(env);
    const p: UserProcess = new UserProcess({
      id: this.nextId++,
      serverName: this.name,
      template: this.options.template,
      secretEnv: env,
      negotiation: this.options.negotiation?.(username),
      log: (line) => this.state.note(line),
      onChange: () => this.onProcessChange(p),
      now: this.now,
    });
    p.evict = (reason) => this.evict(username, p, reason);
    this.processes.set(username, p);
    this.options.budget.add(p);
    this.state.note(`[process ${p.id}] starting for a user (${this.processes.size} of ${maxPerServer})`);
    p.startAfter(
      Promise.all(waits).then(() => undefined),
      () => this.processes.get(username) === p && this.active,
    );
    this.options.hooks.onChange();
    return p;
  }

  private evict(username: string, p: UserProcess, reason: string): Promise<void> {
    if (this.processes.get(username) === p) this.processes.delete(username);
    this.options.budget.remove(p);
    this.state.note(`[process ${p.id}] stopping: ${reason}`);
    this.options.hooks.onChange();
    return p.stop();
  }

  private scheduleIdle(p: UserProcess): void {
    clearTimeout(p.idleTimer);
    const { idleTimeoutMs } = this.options.limits;
    p.idleTimer = setTimeout(() => {
      if (p.inFlight === 0) void p.evict(`idle for ${idleTimeoutMs} ms`);
    }, idleTimeoutMs);
    p.idleTimer.unref();
  }

  /** A user's process learned (new) tools: they become the server's list, so /mcp clients see them. */
  private onProcessChange(p: UserProcess): void {
    const s = p.snapshot();
    if (
      s.status === 'connected' &&
      s.toolsList.length > 0 &&
      JSON.stringify(s.toolsList) !== JSON.stringify(this.state.tools)
    ) {
      this.state.tools = s.toolsList;
      if (this.state.statusMessage !== undefined && this.state.status === 'connected')
        this.state.statusMessage = undefined;
    }
    this.state.changed();
  }

  private remember(env: Record<string, string>): void {
    this.options.hooks.remember(Object.values(env));
  }

  /** Always tells the pool: the per-user processes it shows may have changed too. */
  private setState(status: ServerStatus, statusMessage: string | undefined): void {
    if (!this.state.set({ status, statusMessage })) this.state.changed();
  }
}
