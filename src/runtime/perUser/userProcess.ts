import { AppError } from '../../errors.js';
import { StdioSupervisor, type StdioSupervisorOptions } from '../stdio/stdioSupervisor.js';
import type { BudgetedProcess } from './processBudget.js';
import { ReadinessGate } from '../core/awaitState.js';
import type { NegotiationMemory, PerUserProcesses, ServerSnapshot } from '../core/types.js';

/** Everything a StdioSupervisor needs except what the user process decides (env, logs, onChange, negotiation). */
export type UserProcessTemplate = Omit<
  StdioSupervisorOptions,
  'onChange' | 'logs' | 'redact' | 'negotiation' | 'onNotice'
>;

export interface UserProcessOptions {
  readonly id: number;
  readonly serverName: string;
  readonly template: UserProcessTemplate;
  /** The user's secrets, as environment variables on top of the configured env. */
  readonly secretEnv: Record<string, string>;
  /** This user's remembered negotiation (bound by the owner; this class holds no username). */
  readonly negotiation?: NegotiationMemory | undefined;
  readonly log: (line: string) => void;
  readonly onChange: () => void;
  /** Resource/prompt changes this process announced (bound to its user by the owner). */
  readonly onNotice?: StdioSupervisorOptions['onNotice'];
  readonly now: () => number;
}

/**
 * One user's process of a per-user server: a supervised StdioSupervisor whose environment holds that
 * user's secrets, plus the bookkeeping the caps and the idle timeout need. Holds no username.
 */
export class UserProcess implements BudgetedProcess {
  lastUsed: number;
  readonly startedAt: number;
  inFlight = 0;
  /** Set by the owner: stop and forget this process. */
  evict: (reason: string) => Promise<void> = () => Promise.resolve();
  private server: StdioSupervisor;
  private started = false;
  /** The previous process (before a secret change) is gone and this one was started. */
  private ready: Promise<void> = Promise.resolve();
  private readonly gate = new ReadinessGate<true>(() => this.probe());

  constructor(private readonly options: UserProcessOptions) {
    this.lastUsed = options.now();
    this.startedAt = this.lastUsed;
    this.server = this.build(options.secretEnv);
  }

  get id(): number {
    return this.options.id;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  get managed(): StdioSupervisor {
    return this.server;
  }

  /** Starts once `before` (evictions making room) has finished, unless stopped meanwhile. */
  startAfter(before: Promise<void>, stillWanted: () => boolean): void {
    const server = this.server;
    this.ready = before.then(() => {
      if (!stillWanted() || server !== this.server) return;
      this.started = true;
      server.start();
      this.gate.notify();
    });
  }

  /** Replaces the process with one holding new secrets; the old one is stopped first. */
  restartWith(secretEnv: Record<string, string>, stillWanted: () => boolean): void {
    const old = this.server;
    this.started = false;
    this.server = this.build(secretEnv);
    this.startAfter(old.stop(), stillWanted);
  }

  stop(): Promise<void> {
    const server = this.server;
    return this.ready.then(() => server.stop());
  }

  snapshot(): ServerSnapshot {
    return this.server.snapshot();
  }

  /** What GET /mcp/servers/:name shows of this process: no username, no environment. */
  describe(): PerUserProcesses['states'][number] {
    const s = this.server.snapshot();
    return {
      status: s.status,
      ...(s.pid === undefined ? {} : { pid: s.pid }),
      restarts: s.restarts,
      inFlight: this.inFlight,
      startedAt: new Date(this.startedAt).toISOString(),
      lastUsedAt: new Date(this.lastUsed).toISOString(),
    };
  }

  /** Waits until the process is connected, at most `timeoutMs`; rejects with why it is not usable. */
  async whenConnected(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const wait = new AbortController();
    const timer = setTimeout(() => wait.abort(new Error('startup timeout')), timeoutMs);
    const onAbort = (): void => wait.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      await this.gate.wait(wait.signal);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (signal?.aborted)
        throw new AppError(
          'client_closed_request',
          'The client went away while the server process was starting',
        );
      const why = this.snapshot().statusMessage;
      const server = this.options.serverName;
      throw new AppError(
        'server_unavailable',
        `Server ${server} did not become ready for this user within ${timeoutMs} ms${why ? ` (${why})` : ''}`,
        { serverName: this.options.serverName },
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private probe(): { ready: true } | { failed: unknown } | undefined {
    if (!this.started) return undefined;
    const { status, statusMessage } = this.server.snapshot();
    if (status === 'connected') return { ready: true };
    if (status === 'connecting') return undefined;
    const why = statusMessage ? `: ${statusMessage}` : '';
    return {
      failed: new AppError(
        'server_unavailable',
        `Server ${this.options.serverName} is not available for this user (status ${status}${why})`,
        {
          serverName: this.options.serverName,
          status,
        },
      ),
    };
  }

  private build(secretEnv: Record<string, string>): StdioSupervisor {
    const { template, id } = this.options;
    const transport = template.transport;
    return new StdioSupervisor({
      ...template,
      logger: template.logger.child({ process: id }),
      transport: { ...transport, env: { ...transport.env, ...secretEnv } },
      logs: { push: (line) => this.options.log(`[process ${id}] ${line}`), lines: () => [] },
      ...(this.options.negotiation ? { negotiation: this.options.negotiation } : {}),
      onNotice: this.options.onNotice,
      onChange: () => {
        this.gate.notify();
        this.options.onChange();
      },
    });
  }
}
