import { AppError } from '../../errors.js';
import type { StdioTransport } from '../../events/serverEvents.js';
import type { Logger } from '../../logger.js';
import { buildChildEnv } from './childEnv.js';
import { LogBuffer } from '../core/logBuffer.js';
import type { ProcessRegistry } from './processRegistry.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import { ReadinessGate } from '../core/awaitState.js';
import { decideAfterCrash, type CrashState, type RestartPolicy } from '../core/restartPolicy.js';
import { StdioConnection, type ClientInfo } from './stdioConnection.js';
import type { CallOptions, ServerSnapshot, ServerStatus, ToolDescriptor, ToolResult } from '../core/types.js';
import { describeExit } from './stdioProcessTransport.js';
import { runToolCall } from '../calls/toolCall.js';

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
  clientInfo?: ClientInfo;
  /** Where stderr lines and supervisor notes go; default: a buffer of its own (logLimit, redact). */
  logs?: LogSink;
}

export interface LogSink {
  push(line: string): void;
  lines(): string[];
}

const DEFAULT_CLIENT_INFO: ClientInfo = { name: 'mcp-api', version: '0.1.0' };

/**
 * Supervises one stdio MCP server: connects, restarts it with backoff when it dies, stops retrying
 * when it crash-loops, and routes tool calls to whichever connection is current.
 * onChange fires whenever status, statusMessage, tools or pid change.
 */
export class StdioSupervisor {
  private readonly logs: LogSink;
  private readonly log: Logger;
  private readonly now: () => number;
  private status: ServerStatus = 'disconnected';
  private statusMessage: string | undefined;
  private tools: ToolDescriptor[] = [];
  private pid: number | undefined;
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
  private readonly readiness = new ReadinessGate<StdioConnection>(() => {
    if (this.current && this.status === 'connected') return { ready: this.current };
    const failed = this.unavailable();
    return failed ? { failed } : undefined;
  });

  constructor(private readonly options: StdioSupervisorOptions) {
    this.logs = options.logs ?? new LogBuffer({ limit: options.logLimit, ...(options.redact ? { redact: options.redact } : {}) });
    this.log = options.logger.child({ server: options.name });
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  /** Begins connecting; progress shows in snapshot() and onChange. A no-op while running, a retry after a crash loop. */
  start(): void {
    if (this.active && this.status !== 'error') return;
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
    return {
      status: this.status,
      ...(this.statusMessage === undefined ? {} : { statusMessage: this.statusMessage }),
      toolsList: [...this.tools],
      logs: this.logs.lines(),
      ...(this.pid === undefined ? {} : { pid: this.pid }),
      restarts: this.restarts,
    };
  }

  /** Calls a tool on the current connection, waiting (within the call's budget) while the server connects. */
  callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    return runToolCall(
      {
        name: this.name,
        waitForConnection: (signal) => this.readiness.wait(signal),
        isStopped: () => !this.active,
        statusMessage: () => this.statusMessage,
      },
      tool,
      args,
      options,
    );
  }

  private unavailable(): AppError | undefined {
    if (this.status !== 'error' && this.status !== 'disconnected') return undefined;
    const why = this.statusMessage ? `: ${this.statusMessage}` : '';
    return new AppError('server_unavailable', `Server ${this.name} is not available (status ${this.status}${why})`, {
      serverName: this.name,
      status: this.status,
    });
  }

  private async connect(): Promise<void> {
    await this.previousClose;
    if (!this.active) return;
    const conn = this.createConnection();
    this.current = conn;
    this.connectedAt = undefined;
    this.setState({ status: 'connecting' });
    let tools: ToolDescriptor[];
    try {
      tools = await conn.open(this.options.startupTimeoutMs);
    } catch (error) {
      return this.handleLoss(conn, error instanceof Error ? error.message : String(error));
    }
    if (conn !== this.current) return;
    if (conn.closed) return this.handleLoss(conn, `${conn.lossReason()} right after startup`);
    this.connectedAt = this.now();
    this.log.info('mcp server connected', { pid: conn.pid, tools: tools.length });
    this.setState({ status: 'connected', statusMessage: undefined, tools, pid: conn.pid });
  }

  private createConnection(): StdioConnection {
    const { transport: cfg, shutdownGraceMs, registry } = this.options;
    const spawnOptions = {
      command: cfg.command,
      args: cfg.args,
      env: buildChildEnv(this.options.parentEnv, cfg.env),
      cwd: cfg.cwd,
      graceMs: shutdownGraceMs,
      registry,
      sandbox: this.options.sandbox,
    };
    const conn: StdioConnection = new StdioConnection(spawnOptions, this.options.clientInfo ?? DEFAULT_CLIENT_INFO, {
      onStderrLine: (line) => this.logs.push(line),
      onSpawn: (pid) => {
        if (conn === this.current) this.setState({ pid });
      },
      onLost: (reason) => this.handleLoss(conn, reason),
      onToolsChanged: () => void this.refreshTools(conn),
      onTruncatedList: (reason) => this.note(`[supervisor] ${reason}`),
      onProtocolError: (error) => this.log.debug('mcp protocol error', { error: error.name }),
    });
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
      if (conn === this.current) this.note(`[supervisor] refreshing tools failed: ${error instanceof Error ? error.message : String(error)}`);
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
      const message =
        `Crash loop: ${decision.failures} failures within ${this.options.policy.breakerWindowMs} ms (last: ${reason}); ` +
        'not restarting. Update or re-enable the server to retry.';
      this.note(`[supervisor] ${message}`);
      this.log.error('mcp server crash loop, giving up', { failures: decision.failures });
      this.setState({ status: 'error', statusMessage: message, pid: undefined });
      return;
    }
    const message = `${reason}; restarting in ${decision.delayMs} ms`;
    this.note(`[supervisor] ${message}`);
    this.setState({ status: 'connecting', statusMessage: message, pid: undefined });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts += 1;
      void this.connect();
    }, decision.delayMs);
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

  private note(line: string): void {
    this.logs.push(line);
  }

  private setState(next: { status?: ServerStatus; statusMessage?: string | undefined; tools?: ToolDescriptor[]; pid?: number | undefined }): void {
    let changed = false;
    if (next.status !== undefined && next.status !== this.status) [this.status, changed] = [next.status, true];
    if ('statusMessage' in next && next.statusMessage !== this.statusMessage) [this.statusMessage, changed] = [next.statusMessage, true];
    if (next.tools !== undefined) [this.tools, changed] = [next.tools, true];
    if ('pid' in next && next.pid !== this.pid) [this.pid, changed] = [next.pid, true];
    this.readiness.notify();
    if (!changed) return;
    try {
      this.options.onChange?.();
    } catch (error) {
      this.log.error('onChange listener failed', { error });
    }
  }
}
