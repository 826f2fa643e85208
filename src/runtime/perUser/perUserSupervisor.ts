import { AppError } from '../../errors.js';
import { discoverTools, type Discovery } from '../stdio/discoverTools.js';
import { DEFAULT_IDENTITY } from '../stdio/stdioSupervisor.js';
import { IdleLeases, type IdleTimers } from '../core/idleLeases.js';
import { SupervisorState } from '../core/supervisorState.js';
import { leastRecentlyUsedIdle, tooManyProcesses, type ProcessBudget } from './processBudget.js';
import type { CatalogOptions, CatalogWork, Supervised, SupervisedHooks } from '../core/serverPool.js';
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
  /** Idle eviction's timers (default: real ones); tests drive them by hand. */
  readonly timers?: IdleTimers;
}

/**
 * A server with secretDelivery "env": one supervised process per user, started on that user's first
 * call with that user's secrets in its environment, stopped when idle, capped per server and per
 * gateway (least recently used idle process first). Its own status is the dispatcher's: `connected`
 * once the tool list is known (or known to be unknowable without secrets).
 */
export class PerUserSupervisor implements Supervised {
  /** One process per user, evicted when idle by the same rule as per-user remote connections. */
  private readonly processes: IdleLeases<string, UserProcess>;
  private readonly state: SupervisorState;
  private readonly now: () => number;
  private active = false;
  private discovery: Discovery | undefined;
  private nextId = 1;
  /** The server's list came from a user's process (secrets in its env), not from discovery: pinning trusts it less. */
  private toolsFromUser = false;

  constructor(private readonly options: PerUserSupervisorOptions) {
    this.state = new SupervisorState({
      logger: options.template.logger,
      onChange: options.hooks.onChange,
      logLimit: options.template.logLimit,
      redact: options.hooks.redact,
    });
    this.now = options.now ?? Date.now;
    this.processes = new IdleLeases({
      create: (username) => this.acquire(username),
      release: (p, _username, reason) => this.stopProcess(p, reason),
      idleMs: options.limits.idleTimeoutMs,
      timers: options.timers,
    });
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
        this.toolsFromUser = false;
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
    const stops = this.processes.closeAll((p) => this.stopProcess(p, 'server stopped'));
    this.setState('disconnected', undefined);
    await Promise.all([stops, discovery?.cancel()]);
  }

  snapshot(): ServerSnapshot {
    const list = this.processes.values();
    return {
      ...this.state.view(),
      ...(this.toolsFromUser ? { toolsSource: 'user_process' as const } : {}),
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
  ): Promise<readonly ToolDescriptor[]> {
    return this.withProcess(username, options.signal, async (p) => p.snapshot().toolsList);
  }

  /** Resources, prompts, completions of this user's own process (started if needed). */
  withCatalog<T>(username: string, options: CatalogOptions, work: CatalogWork<T>): Promise<T> {
    return this.withProcess(username, options.signal, (p) => p.managed.withCatalog(username, options, work));
  }

  /** The user was deleted: their process (with their old secrets in its environment) stops now. */
  userDeleted(username: string): void {
    void this.processes.reset(username, 'the user was deleted');
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
    this.remember(username, env);
    this.state.note(`[process ${p.id}] restarting: the user's secrets changed`);
    p.restartWith(env, () => this.processes.get(username) === p && this.active);
    this.processes.touch(username);
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
    if (!this.processes.get(username)) await this.options.prepare?.(username);
    return this.processes.use(username, async (p) => {
      p.inFlight += 1;
      p.lastUsed = this.now();
      try {
        await p.whenConnected(this.options.template.startupTimeoutMs, signal);
        return await work(p);
      } finally {
        p.inFlight -= 1;
        p.lastUsed = this.now();
      }
    });
  }

  /** A new process for the user once there is room. Synchronous: concurrent first calls share one. */
  private acquire(username: string): UserProcess {
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
        const details = { serverName: this.name, limit: maxPerServer, scope: 'server' };
        const message = `Server ${this.name} already runs its maximum of ${maxPerServer} per-user processes`;
        throw tooManyProcesses(`${message} and all are busy; retry shortly`, details);
      }
      waits.push(victim.evict('least recently used, making room for another user'));
    }
    waits.push(this.options.budget.makeRoom());
    this.remember(username, env);
    const p: UserProcess = new UserProcess({
      id: this.nextId++,
      serverName: this.name,
      template: this.options.template,
      secretEnv: env,
      negotiation: this.options.negotiation?.(username),
      log: (line) => this.state.note(line),
      onNotice: (notice) =>
        this.processes.get(username) === p && this.options.hooks.notice?.(notice, username),
      onChange: () => this.onProcessChange(p),
      now: this.now,
    });
    p.evict = (reason) => this.processes.evictValue(username, p, reason);
    this.options.budget.add(p);
    this.state.note(`[process ${p.id}] starting for a user (${this.processes.size + 1} of ${maxPerServer})`);
    p.startAfter(
      Promise.all(waits).then(() => undefined),
      () => this.processes.get(username) === p && this.active,
    );
    this.options.hooks.onChange();
    return p;
  }

  /** The process was taken out of the leases (idle, evicted, server stopped): it leaves the caps and stops. */
  private stopProcess(p: UserProcess, reason: string): Promise<void> {
    this.options.budget.remove(p);
    this.state.note(`[process ${p.id}] stopping: ${reason}`);
    this.options.hooks.onChange();
    return p.stop();
  }

  /**
   * A user's process learned (new) tools: when discovery could not list any, they become the server's list,
   * so /mcp clients see them (once an admin approved them: tool pinning). A discovered list is never
   * replaced by what one user's process advertises.
   */
  private onProcessChange(p: UserProcess): void {
    const s = p.snapshot();
    if (
      s.status === 'connected' &&
      (this.toolsFromUser || this.state.tools.length === 0) &&
      s.toolsList.length > 0 &&
      JSON.stringify(s.toolsList) !== JSON.stringify(this.state.tools)
    ) {
      this.toolsFromUser = true;
      this.state.tools = s.toolsList;
      if (this.state.statusMessage !== undefined && this.state.status === 'connected')
        this.state.statusMessage = undefined;
    }
    this.state.changed();
  }

  private remember(username: string, env: Record<string, string>): void {
    this.options.hooks.remember(username, Object.values(env));
  }

  /** Always tells the pool: the per-user processes it shows may have changed too. */
  private setState(status: ServerStatus, statusMessage: string | undefined): void {
    if (!this.state.set({ status, statusMessage })) this.state.changed();
  }
}
