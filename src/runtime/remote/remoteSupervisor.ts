import { AppError, isAppError } from '../../errors.js';
import { SHARED_CONNECTION } from '../../events/sessionEvents.js';
import type { Logger } from '../../logger.js';
import { withDeadline } from '../calls/deadline.js';
import { raceSignal, type ConnectionSlot } from './connectionSlot.js';
import { SupervisorState, type StateChange } from '../core/supervisorState.js';
import { reauthRequired, type OAuthTarget } from './oauth/oauthTokens.js';
import { mapCallError } from '../calls/callErrors.js';
import { describeFailure as describe, type RemoteTransportKind } from './remoteConnection.js';
import { backoffDelay } from '../core/restartPolicy.js';
import type { CallOptions, ServerSnapshot, ToolDescriptor, ToolResult } from '../core/types.js';
import { DEFAULT_USER, RemoteSlots } from './remoteSlots.js';
import { UserConnections } from './userConnections.js';
import { forUser, notConnected, retryCannotHelp } from './remoteErrors.js';
import { runCatalog } from '../calls/catalogCall.js';
import type { CatalogOptions, CatalogWork, StopReason } from '../core/serverPool.js';
import type { RemoteSupervisorOptions } from './remoteSupervisorOptions.js';

export { DEFAULT_USER, type RemoteDeps } from './remoteSlots.js';
export type { RemoteSupervisorOptions } from './remoteSupervisorOptions.js';

/**
 * Supervises one remote MCP server (Streamable HTTP, or legacy SSE on fallback). One shared
 * connection, opened eagerly and reconnected with backoff, carries the configured headers and the
 * OAuth tokens of user "default" if stored; it decides status and tools. Users with their own
 * tokens get their own connection, lazily and single-flight, evicted when idle. A user without
 * tokens never borrows another user's OAuth identity.
 */
export class RemoteSupervisor {
  private readonly log: Logger;
  private readonly state: SupervisorState;
  private readonly target: OAuthTarget;
  private readonly primary: ConnectionSlot;
  private readonly users: UserConnections;
  private readonly slots: RemoteSlots;
  private kind: RemoteTransportKind | undefined;
  private restarts = 0;
  private attempt = 0;
  private active = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The shared connection was refused for lack of authorization; held until tokens change. */
  private authBlocked: AppError | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: RemoteSupervisorOptions) {
    this.log = o.logger.child({ server: o.name });
    this.state = new SupervisorState({
      logger: this.log,
      onChange: o.onChange,
      logLimit: o.logLimit,
      redact: o.redact,
    });
    this.target = { serverId: o.serverId, serverName: o.name, url: o.transport.url };
    this.slots = new RemoteSlots({
      serverId: o.serverId,
      name: o.name,
      transport: o.transport,
      startupTimeoutMs: o.startupTimeoutMs,
      deps: o.deps,
      target: this.target,
      unavailable: () => notConnected(this.name, this.state.status),
      onSharedLost: (reason) => this.active && this.scheduleRetry(`connection lost: ${reason}`),
      onSharedTools: (tools) => this.setState({ tools }),
      onNotice: (notice, username) => this.o.onNotice?.(notice, username),
      note: (line) => this.note(line),
    });
    this.primary = this.slots.slot(SHARED_CONNECTION, DEFAULT_USER, false);
    this.users = new UserConnections(
      (username) => this.slots.slot(username, username, true),
      o.deps.idleTimeoutMs,
    );
  }

  get name(): string {
    return this.o.name;
  }

  start(): void {
    if (this.active && this.state.status !== 'error') return;
    this.active = true;
    this.stopping = undefined;
    this.attempt = 0;
    void this.connectPrimary();
  }

  /** `shutdown` keeps sessions for the next start; any other reason ends them upstream and forgets them. */
  stop(reason: StopReason = 'shutdown'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  snapshot(): ServerSnapshot {
    const conn = this.primary.connection;
    const kind = conn?.kind ?? this.kind;
    return {
      ...this.state.view(),
      restarts: this.restarts,
      remote: {
        ...(kind ? { activeTransport: kind } : {}),
        hasSession: conn?.sessionId !== undefined,
        userConnections: this.users.size,
      },
    };
  }

  callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
    const username = options.username ?? DEFAULT_USER;
    const { timeoutMs } = options;
    return withDeadline(
      timeoutMs,
      options.signal,
      // [obs hook] trace: options.trace
      (signal) => {
        const limits = {
          signal,
          timeoutMs,
          onProgress: options.onProgress,
          trace: options.trace,
          relay: options.relay,
          asTask: options.asTask,
        };
        return this.withSlot(username, (slot) =>
          slot.run((conn) => conn.callTool(tool, args, limits), signal),
        );
      },
      (error, outcome) =>
        this.forUser(
          mapCallError(
            error,
            { server: this.name, tool, timeoutMs, ...outcome, stopped: !this.active },
            'remote',
          ),
          username,
        ),
    );
  }

  /** Resources, prompts, completions on the connection this user's calls go to. */
  withCatalog<T>(username: string, options: CatalogOptions, work: CatalogWork<T>): Promise<T> {
    const target = { server: this.name, transport: 'remote' as const, stopped: () => !this.active };
    return runCatalog(target, options, (signal) =>
      this.withSlot(username, (slot) => slot.run((conn) => conn.withCatalog((c) => work(c, signal)), signal)),
    ).catch((error: unknown) => {
      throw isAppError(error) ? this.forUser(error, username) : error;
    });
  }

  /** The tools this user's own connection offers (connecting it if needed); undefined: the snapshot applies. */
  async toolsFor(
    username: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<readonly ToolDescriptor[] | undefined> {
    try {
      return await this.withSlot(username, async (slot) => {
        if (slot === this.primary) return undefined;
        const conn = await raceSignal(slot.get(), options.signal);
        // A server that only lets authorized users in still shows its tools once one of them connected.
        if (!this.primary.connection && this.state.tools.length === 0) this.setState({ tools: conn.tools });
        return conn.tools;
      });
    } catch (error) {
      if (isAppError(error)) throw this.forUser(error, username);
      throw new AppError(
        'server_unavailable',
        `Server ${this.name} could not be reached for user ${username}: ${describe(error)}`,
        { serverName: this.name },
      );
    }
  }

  /** New tokens were stored through the API: a shared connection refused for lack of them retries now. */
  credentialsChanged(username: string): void {
    if (username !== DEFAULT_USER || !this.authBlocked || !this.active) return;
    this.authBlocked = undefined;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    void this.connectPrimary();
  }

  /** The user was deleted: their own connection closes now (its persisted session is dropped by the projection). */
  userDeleted(username: string): void {
    void this.users.reset(username);
  }

  /** Abort listeners on the SDK transports' connection-wide signals (should stay near zero between calls). */
  abortListenerCount(): number {
    return this.slots.abortListenerCount();
  }

  private withSlot<T>(username: string, work: (slot: ConnectionSlot) => Promise<T>): Promise<T> {
    const own = this.o.deps.tokens.state(this.o.serverId, username);
    if (username !== DEFAULT_USER && own) return this.users.use(username, work);
    if (username !== DEFAULT_USER && this.o.deps.tokens.state(this.o.serverId, DEFAULT_USER)) {
      throw reauthRequired(
        this.target,
        username,
        `no OAuth tokens are stored for this user; the shared connection authenticates as user "${DEFAULT_USER}"`,
      );
    }
    if (this.authBlocked) throw this.authBlocked;
    return work(this.primary).catch((error: unknown) => {
      // The shared grant died mid-run (refresh refused): show it, and wait for new tokens.
      if (
        isAppError(error) &&
        error.code === 'reauth_required' &&
        error.details.username === DEFAULT_USER &&
        this.active
      ) {
        this.authBlocked = error;
        this.note(`[supervisor] ${error.message}`);
        this.setState({ status: 'error', statusMessage: error.message });
      }
      throw error;
    });
  }

  private forUser(error: AppError, username: string): AppError {
    return forUser(error, this.target, username);
  }

  private async connectPrimary(): Promise<void> {
    if (!this.active) return;
    this.setState({ status: 'connecting' });
    const grant = this.defaultGrant();
    try {
      const conn = await this.primary.open();
      if (!this.active) return;
      this.attempt = 0;
      this.authBlocked = undefined;
      this.kind = conn.kind;
      this.log.info('remote mcp server connected', {
        transport: conn.kind,
        resumed: conn.resumed,
        tools: conn.tools.length,
      });
      this.setState({ status: 'connected', statusMessage: undefined, tools: conn.tools });
    } catch (error) {
      if (!this.active) return;
      const reason = describe(error);
      if (retryCannotHelp(error)) {
        if (isAppError(error) && error.code === 'reauth_required') {
          // Tokens stored while this attempt ran were not in it: try again with them.
          if (this.defaultGrant() !== grant) return void this.connectPrimary();
          this.authBlocked = error;
        }
        this.note(`[supervisor] ${reason}`);
        this.log.warn('remote mcp server refused', { reason });
        this.setState({ status: 'error', statusMessage: reason });
        return;
      }
      this.scheduleRetry(`connect failed: ${reason}`);
    }
  }

  /** Which grant of user "default" an attempt ran with (the stream generation; 0 without tokens). */
  private defaultGrant(): number {
    return this.o.deps.tokens.state(this.o.serverId, DEFAULT_USER)?.generation ?? 0;
  }

  private scheduleRetry(reason: string): void {
    const delay = backoffDelay(this.o.policy, this.attempt++);
    const message = `${reason}; retrying in ${delay} ms`;
    this.note(`[supervisor] ${message}`);
    this.log.warn('remote mcp server unavailable', { reason, delayMs: delay });
    this.setState({ status: 'error', statusMessage: message });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.restarts += 1;
      void this.connectPrimary();
    }, delay);
  }

  private async shutdown(reason: StopReason): Promise<void> {
    this.active = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.setState({ status: 'disconnected', statusMessage: undefined });
    const terminate = reason !== 'shutdown';
    await Promise.all([this.primary.close(terminate), this.users.closeAll(terminate)]);
  }

  private note(line: string): void {
    this.state.note(line);
  }

  private setState(next: StateChange): void {
    this.state.set(next);
  }
}
