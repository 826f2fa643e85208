import { AppError } from '../../errors.js';
import type { StdioTransport } from '../../events/serverEvents.js';
import type { Logger } from '../../logger.js';
import { spawnOptionsOf } from './childEnv.js';
import { SupervisorState, type LogSink, type StateChange } from '../core/supervisorState.js';
import type { ProcessRegistry } from './processRegistry.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import { ReadinessGate } from '../core/awaitState.js';
import {
  crashLoopMessage,
  decideAfterCrash,
  halfOpen,
  type CrashState,
  type RestartPolicy,
} from '../core/restartPolicy.js';
import { StdioConnection } from './stdioConnection.js';
import type { CallOptions, NegotiationMemory, ServerSnapshot, ToolDescriptor } from '../core/types.js';
import type { ToolResult, UpstreamIdentity } from '../core/types.js';
import { describeExit } from './stdioProcessTransport.js';
import { runToolCall } from '../calls/toolCall.js';
import { DEFAULT_IDENTITY } from './defaultIdentity.js';
import { LEGACY_PRIOR } from '../client/upstreamClient.js';
import { runCatalog } from '../calls/catalogCall.js';
import type { CatalogOptions, CatalogWork, UpstreamNotice } from '../core/serverPool.js';
import { noTelemetry, type Telemetry } from '../../telemetry/telemetry.js';

export interface StdioSupervisorOptions {
  name: string;
  transport: StdioTransport;
  startupTimeoutMs: number;
  logger: Logger;
  policy: RestartPolicy;
  shutdownGraceMs: number;
  logLimit: number;
  parentEnv: NodeJS.ProcessEnv;
  registry?: ProcessRegistry;
  /** Every process of this server runs inside it (see runtime/sandbox). */
  sandbox?: SpawnWrapper | undefined;
  redact?: (line: string) => string;
  onChange?: () => void;
  now?: () => number;
  /** Client info and advertised capabilities; default: mcp-api advertising nothing. */
  identity?: UpstreamIdentity;
  /** Where the negotiated era is remembered across restarts; without it every start probes. */
  negotiation?: NegotiationMemory;
  /** One message larger than this fails the call it answers (result_too_large); default 10 MiB. */
  maxMessageBytes?: number | undefined;
  /** Where stderr lines and supervisor notes go; default: a buffer of its own (logLimit, redact). */
  logs?: LogSink;
  /** [obs hook] tracing: a span per process start. */
  telemetry?: Telemetry;
  /** Resource/prompt list changes and resource updates of the current process. */
  onNotice?: ((notice: UpstreamNotice) => void) | undefined;
}

export type { LogSink };

export { DEFAULT_IDENTITY };

/**
 * Supervises one stdio MCP server: connects, restarts it with backoff when it dies, stops retrying
 * when it crash-loops, and routes tool calls to whichever connection is current.
 * onChange fires whenever status, statusMessage, tools or pid change.
 */
export class StdioSupervisor {
  private readonly state: SupervisorState;
  private readonly log: Logger;
  private readonly now: () => number;
  private restarts = 0;
  private active = false;
  private current: StdioConnection | undefined;
  private connectedAt: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private crashes: CrashState = { history: [], attempt: 0 };
  /** The previous process's shutdown; a new one is not spawned before it finished. */
  private previousClose: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private toolsRefresh = 0;
  /** The remembered verdict just failed a start: probe afresh next time. */
  private distrustPrior = false;
  /** The last start died on the server/discover probe: the next one goes straight to initialize. */
  private probeFailed = false;
  private readonly readiness = new ReadinessGate<StdioConnection>(() => {
    if (this.current && this.state.status === 'connected') return { ready: this.current };
    const failed = this.unavailable();
    return failed ? { failed } : undefined;
  });

  constructor(private readonly options: StdioSupervisorOptions) {
    this.state = new SupervisorState({
      logger: options.logger,
      onChange: options.onChange,
      logs: options.logs,
      logLimit: options.logLimit,
      redact: options.redact,
    });
    this.log = options.logger.child({ server: options.name });
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Begins connecting; progress shows in snapshot() and onChange. A no-op while running, a retry after a
   * crash loop.
   */
  start(): void {
    if (this.active && this.state.status !== 'error') return;
    this.active = true;
    this.stopping = undefined;
    this.crashes = { history: [], attempt: 0 };
    this.restarts = 0;
    this.setState({ status: 'connecting', statusMessage: undefined });
    void this.connect();
  }

  /** Cancels pending restarts and shuts the process down; idempotent; no restart happens afterwards. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  snapshot(): ServerSnapshot {
    return { ...this.state.view(), restarts: this.restarts };
  }

  /** Calls a tool on the current connection, waiting (within the call's budget) while the server connects. */
  callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    return runToolCall(
      {
        name: this.name,
        waitForConnection: (signal) => this.readiness.wait(signal),
        connectionNow: () => this.readiness.now(),
        isStopped: () => !this.active,
        statusMessage: () => this.state.statusMessage,
      },
      tool,
      args,
      options,
    );
  }

  /** Resources, prompts, completions on the current connection (waiting, within budget, while it connects). */
  withCatalog<T>(_username: string, options: CatalogOptions, work: CatalogWork<T>): Promise<T> {
    const target = { server: this.name, transport: 'stdio' as const, stopped: () => !this.active };
    return runCatalog(target, options, async (signal) =>
      work((await this.readiness.wait(signal)).catalog, signal),
    );
  }

  private unavailable(): AppError | undefined {
    if (this.state.status !== 'error' && this.state.status !== 'disconnected') return undefined;
    const why = this.state.statusMessage ? `: ${this.state.statusMessage}` : '';
    return new AppError(
      'server_unavailable',
      `Server ${this.name} is not available (status ${this.state.status}${why})`,
      {
        serverName: this.name,
        status: this.state.status,
      },
    );
  }

  private async connect(): Promise<void> {
    await this.previousClose;
    if (!this.active) return;
    const conn = this.createConnection();
    this.current = conn;
    this.connectedAt = undefined;
    this.setState({ status: 'connecting' });
    const remembered = this.distrustPrior ? undefined : this.options.negotiation?.load();
    const prior = remembered ?? (this.probeFailed ? LEGACY_PRIOR : undefined);
    let tools: ToolDescriptor[];
    try {
      // [obs hook] process start span
      const attributes = { 'mcp_api.server.name': this.name, 'network.transport': 'pipe' };
      const open = (): Promise<ToolDescriptor[]> => conn.open(this.options.startupTimeoutMs, prior);
      tools = await (this.options.telemetry ?? noTelemetry).span('process.start', open, { attributes });
    } catch (error) {
      if (prior) this.distrustPrior = true;
      this.probeFailed = conn.probeFailed;
      return this.handleLoss(conn, error instanceof Error ? error.message : String(error));
    }
    this.distrustPrior = this.probeFailed = false;
    if (!remembered && conn.negotiation) this.options.negotiation?.record(conn.negotiation);
    if (conn !== this.current) return;
    if (conn.closed) return this.handleLoss(conn, `${conn.lossReason()} right after startup`);
    this.connectedAt = this.now();
    this.log.info('mcp server connected', {
      pid: conn.pid,
      tools: tools.length,
      protocolVersion: conn.negotiation?.protocolVersion,
    });
    this.setState({ status: 'connected', statusMessage: undefined, tools, pid: conn.pid });
  }

  private createConnection(): StdioConnection {
    const conn: StdioConnection = new StdioConnection(
      spawnOptionsOf(this.options),
      this.options.identity ?? DEFAULT_IDENTITY,
      {
        onStderrLine: (line) => this.state.note(line),
        onSpawn: (pid) => {
          if (conn === this.current) this.setState({ pid });
        },
        onLost: (reason) => this.handleLoss(conn, reason),
        onToolsChanged: () => void this.refreshTools(conn),
        onTruncatedList: (reason) => this.state.note(`[supervisor] ${reason}`),
        onProtocolError: (error) => this.log.debug('mcp protocol error', { error: error.name }),
        onNotice: (notice) => conn === this.current && this.options.onNotice?.(notice),
      },
    );
    return conn;
  }

  private async refreshTools(conn: StdioConnection): Promise<void> {
    const seq = ++this.toolsRefresh;
    try {
      const signal = AbortSignal.timeout(this.options.startupTimeoutMs);
      const tools = await conn.listTools({ signal, timeoutMs: this.options.startupTimeoutMs });
      // Only the newest refresh of the current connection may win.
      if (conn === this.current && seq === this.toolsRefresh) this.setState({ tools });
    } catch (error) {
      if (conn === this.current)
        this.state.note(
          `[supervisor] refreshing tools failed: ${error instanceof Error ? error.message : String(error)}`,
        );
    }
  }

  private handleLoss(conn: StdioConnection, reason: string): void {
    if (conn !== this.current || !this.active) return;
    this.current = undefined;
    this.previousClose = conn.close().catch(() => undefined);
    const exit = conn.exitInfo;
    this.log.warn('mcp server lost', { reason, ...(exit ? { exit: describeExit(exit) } : {}) });
    const decision = decideAfterCrash(this.crashes, this.now(), this.connectedAt, this.options.policy);
    this.crashes = decision.state;
    if (decision.action === 'give-up') {
      const retry = decision.retryAfterMs;
      const message = crashLoopMessage(decision.failures, this.options.policy.breakerWindowMs, reason, retry);
      this.state.note(`[supervisor] ${message}`);
      this.log.error('mcp server crash loop, giving up', { failures: decision.failures });
      this.setState({ status: 'error', statusMessage: message, pid: undefined });
      if (retry !== undefined) this.restartTimer = setTimeout(() => this.trialRun(), retry);
      return;
    }
    const message = `${reason}; restarting in ${decision.delayMs} ms`;
    this.state.note(`[supervisor] ${message}`);
    this.setState({ status: 'connecting', statusMessage: message, pid: undefined });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts += 1;
      void this.connect();
    }, decision.delayMs);
  }

  /** Half-open: the breaker's cool-down passed; one run, and a failure opens it again at once. */
  private trialRun(): void {
    this.restartTimer = undefined;
    if (!this.active) return;
    this.crashes = halfOpen(this.crashes);
    this.restarts += 1;
    this.setState({ status: 'connecting', statusMessage: 'crash-loop breaker half-open: trial run' });
    void this.connect();
  }

  private async shutdown(): Promise<void> {
    this.active = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const conn = this.current;
    this.current = undefined;
    if (conn) this.previousClose = conn.close().catch(() => undefined);
    // Waiting callers fail now; the pid stays visible until the process is really gone.
    this.setState({ status: 'disconnected', statusMessage: undefined });
    await this.previousClose;
    if (!this.active) this.setState({ pid: undefined });
  }

  private setState(next: StateChange): void {
    this.state.set(next, () => this.readiness.notify());
  }
}
