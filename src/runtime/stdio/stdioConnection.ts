import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import {
  connectUpstream,
  createUpstreamClient,
  isProbeFailure,
  listTools,
} from '../client/upstreamClient.js';
import type { GatewayClient } from '../client/gatewayClient.js';
import { UpstreamCatalog, type UpstreamNotice } from '../client/upstreamCatalog.js';
import type {
  CallLimits,
  Negotiation,
  RequestLimits,
  ToolDescriptor,
  ToolResult,
  UpstreamIdentity,
} from '../core/types.js';
import {
  describeExit,
  SpawnError,
  StdioProcessTransport,
  type ProcessExit,
  type StdioProcessOptions,
} from './stdioProcessTransport.js';
import { relayedCallTool } from '../relay/relayedCall.js';
import { UpstreamRelay } from '../relay/upstreamRelay.js';

/**
 * One process + one SDK Client: a single connection attempt. The supervisor throws it away when
 * it dies and builds a new one, because an SDK Client cannot be reconnected to a fresh transport.
 */
export interface StdioConnectionHooks {
  onStderrLine: (line: string) => void;
  onSpawn: (pid: number) => void;
  /** The process or pipe went away (not called for failures while `open()` is still running). */
  onLost: (reason: string) => void;
  onToolsChanged: () => void;
  onTruncatedList: (reason: string) => void;
  onProtocolError: (error: Error) => void;
  /** Resource/prompt list changes and resource updates the server announced. */
  onNotice?: ((notice: UpstreamNotice) => void) | undefined;
}

export class StdioConnection {
  readonly transport: StdioProcessTransport;
  private readonly client: GatewayClient;
  private readonly relay: UpstreamRelay;
  /** Resources, templates, prompts and completions of this connection. */
  readonly catalog: UpstreamCatalog;
  private opening = false;
  private lost = false;
  /** What the connection settled on, once open. */
  negotiation: Negotiation | undefined;
  /** The server/discover probe got no usable answer (the process closed on it): initialize next time. */
  probeFailed = false;

  constructor(
    process: StdioProcessOptions,
    identity: UpstreamIdentity,
    private readonly hooks: StdioConnectionHooks,
  ) {
    this.transport = new StdioProcessTransport(process);
    this.transport.onstderrLine = hooks.onStderrLine;
    this.transport.onspawn = hooks.onSpawn;
    this.client = createUpstreamClient(identity, {
      onToolsChanged: hooks.onToolsChanged,
      onTruncatedList: hooks.onTruncatedList,
    });
    this.relay = new UpstreamRelay(this.client, identity.capabilities);
    this.catalog = new UpstreamCatalog(
      this.client,
      (notice) => hooks.onNotice?.(notice),
      hooks.onTruncatedList,
    );
    this.client.onerror = hooks.onProtocolError;
    this.client.onclose = () => {
      this.lost = true;
      if (!this.opening) hooks.onLost(this.lossReason());
    };
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  get exitInfo(): ProcessExit | undefined {
    return this.transport.exitInfo;
  }

  /** True once the process or the protocol connection has gone away. */
  get closed(): boolean {
    return this.lost;
  }

  lossReason(): string {
    return this.transport.closeReason ?? `process exited (${describeExit(this.transport.exitInfo)})`;
  }

  /**
   * Spawn + negotiate (a remembered verdict, else probe server/discover and fall back to initialize)
   * + every tools/list page, all inside `timeoutMs`. Rejects with a message saying what failed.
   */
  async open(timeoutMs: number, prior?: Negotiation): Promise<ToolDescriptor[]> {
    this.opening = true;
    const startup = new AbortController();
    let timedOut = false;
    let phase = 'initialize';
    const timer = setTimeout(() => {
      timedOut = true;
      startup.abort(new Error(`startup timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      this.negotiation = await connectUpstream(
        this.client,
        this.transport,
        { signal: startup.signal, timeoutMs },
        prior,
      );
      phase = 'tools/list';
      const tools = await this.listTools({ signal: startup.signal, timeoutMs });
      // Modern servers tell of list changes only on a subscriptions/listen stream the client opens.
      void this.catalog.listen();
      return tools;
    } catch (error) {
      this.probeFailed = prior === undefined && isProbeFailure(error);
      throw new Error(this.startFailure(error, phase, timedOut, timeoutMs), { cause: error });
    } finally {
      clearTimeout(timer);
      this.opening = false;
    }
  }

  listTools(limits: RequestLimits): Promise<ToolDescriptor[]> {
    return listTools(this.client, limits, this.hooks.onTruncatedList);
  }

  /** Pass-through tools/call: no client-side output-schema validation, the result is forwarded verbatim. */
  callTool(name: string, args: Record<string, unknown>, limits: CallLimits): Promise<ToolResult> {
    return relayedCallTool(this.client, this.relay, name, args, limits);
  }

  /** Shutdown ladder; resolves once the process is gone. Idempotent. */
  close(): Promise<void> {
    this.catalog.close();
    return this.transport.close();
  }

  private startFailure(error: unknown, phase: string, timedOut: boolean, timeoutMs: number): string {
    if (error instanceof SpawnError) return error.message;
    if (timedOut) return `startup did not complete within ${timeoutMs} ms (stuck in ${phase})`;
    if (this.lost || this.transport.exitInfo) return `${this.lossReason()} during ${phase}`;
    if (SdkError.isInstance(error) && error.code === SdkErrorCode.ConnectionClosed)
      return `connection closed during ${phase}`;
    const message = error instanceof Error ? error.message : String(error);
    return `${phase} failed: ${message}`;
  }
}
