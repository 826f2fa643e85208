import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type FetchLike,
} from '@modelcontextprotocol/client';
import { isAppError } from '../../errors.js';
import type { ReconnectionOptions } from '../../events/serverEvents.js';
import {
  connectUpstream,
  createUpstreamClient,
  describe,
  isProbeFailure,
  LEGACY_PRIOR as LEGACY,
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
import { relayedCallTool } from '../relay/relayedCall.js';
import { StreamAttribution } from '../relay/streamAttribution.js';
import { UpstreamRelay } from '../relay/upstreamRelay.js';
import { fallsBackToSse, httpStatusOf, KnownSseOnly, SessionExpiredError } from './httpFailures.js';

export { describeFailure, httpStatusOf, SessionExpiredError } from './httpFailures.js';

export type RemoteTransportKind = 'streamable_http' | 'sse';

export interface RemoteConnectionOptions {
  readonly url: URL;
  /** isolating → authorizing → safe fetch; every request of the transport goes through it. */
  readonly fetch: FetchLike;
  readonly reconnectionOptions?: ReconnectionOptions | undefined;
  /** A persisted session to resume: no initialize is sent, the first request carries it. */
  readonly resume?: { readonly sessionId: string; readonly protocolVersion?: string | undefined } | undefined;
  /** A remembered negotiation: modern skips every round trip, legacy skips the server/discover probe. */
  readonly prior?: Negotiation | undefined;
  readonly identity: UpstreamIdentity;
  /** The connection died after open() (dropped SSE stream, closed client). */
  readonly onLost: (reason: string) => void;
  /** The server announced a new tool list; `tools` holds it already. */
  readonly onToolsChanged: (tools: ToolDescriptor[]) => void;
  /** Something worth a line in the server's logs (truncated tool list, failed refresh). */
  readonly onNote: (reason: string) => void;
  /** Resource/prompt list changes and resource updates the server announced. */
  readonly onNotice?: ((notice: UpstreamNotice) => void) | undefined;
}

const SDK_RECONNECTION = {
  maxReconnectionDelay: 30_000,
  initialReconnectionDelay: 1_000,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 2,
};

/**
 * One SDK Client on one HTTP transport: a single connection attempt. Streamable HTTP first; if
 * initialization answers 400/404/405 or a non-MCP content type, the legacy SSE transport on the
 * same URL. Thrown away and rebuilt when it dies or its session expires.
 */
export class RemoteConnection {
  private client: GatewayClient | undefined;
  private relay: UpstreamRelay | undefined;
  /** Which response stream a server→client message came on (Streamable HTTP only). */
  private readonly streams = new StreamAttribution((token) => this.relay?.has(token) === true);
  private catalogOf: UpstreamCatalog | undefined;
  private transport: StreamableHTTPClientTransport | SSEClientTransport | undefined;
  private closing = false;
  private lost = false;
  private retired = false;
  private inFlight = 0;
  private timeoutMs = 30_000;
  private refreshSeq = 0;
  kind: RemoteTransportKind | undefined;
  tools: ToolDescriptor[] = [];
  /** What the connection settled on, once open. */
  negotiation: Negotiation | undefined;

  constructor(private readonly o: RemoteConnectionOptions) {}

  get sessionId(): string | undefined {
    return this.transport instanceof StreamableHTTPClientTransport ? this.transport.sessionId : undefined;
  }

  get protocolVersion(): string | undefined {
    return this.negotiation?.protocolVersion;
  }

  get resumed(): boolean {
    return this.o.resume !== undefined;
  }

  /** Negotiated afresh (no session resumed, no remembered verdict): worth remembering. */
  get probed(): boolean {
    return this.o.resume === undefined && this.o.prior === undefined;
  }

  /** Not to be used for new requests (dead, closed, or retired after its session expired). */
  get closed(): boolean {
    return this.lost || this.closing || this.retired;
  }

  /**
   * Replaced (its session expired): requests still in flight finish (and get their own 404, which
   * sends them to the replacement) before the client closes. Closing at once would fail them all.
   */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) void this.close();
  }

  /** Connect (or resume) + every tools/list page within `timeoutMs`. */
  async open(timeoutMs: number, signal?: AbortSignal): Promise<ToolDescriptor[]> {
    this.timeoutMs = timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const limits = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, timeoutMs };
    try {
      const resume = this.o.resume;
      if (!resume && this.o.prior?.transport === 'sse') throw new KnownSseOnly();
      await this.attachStreamable(limits);
      this.kind = 'streamable_http';
    } catch (error) {
      await this.discard();
      if (this.resumed && httpStatusOf(error) === 404) throw new SessionExpiredError();
      if (limits.signal.aborted)
        throw new Error(`startup did not complete within ${timeoutMs} ms`, { cause: error });
      if (!fallsBackToSse(error)) throw error;
      try {
        // SSE is a 2024-era transport: no server/discover probe there.
        await this.attach(new SSEClientTransport(this.o.url, { fetch: this.o.fetch }), limits, LEGACY);
        this.kind = 'sse';
      } catch (sseError) {
        if (error instanceof KnownSseOnly) throw sseError;
        await this.discard();
        if (isAppError(sseError)) throw sseError;
        throw new Error(
          `Streamable HTTP failed (${describe(error)}); SSE fallback failed too (${describe(sseError)})`,
          { cause: sseError },
        );
      }
    }
    if (this.negotiation) this.negotiation = { ...this.negotiation, transport: this.kind };
    return this.tools;
  }

  listTools(limits: RequestLimits): Promise<ToolDescriptor[]> {
    const client = this.live();
    return this.track(() => listTools(client, limits, this.o.onNote));
  }

  /** Pass-through tools/call: no client-side output validation, the result is forwarded as is. */
  callTool(name: string, args: Record<string, unknown>, limits: CallLimits): Promise<ToolResult> {
    const client = this.live();
    const relay = this.relay;
    if (!relay) throw new Error('Not connected');
    return this.track(() => relayedCallTool(client, relay, name, args, limits));
  }

  /** Resources, templates, prompts and completions of this connection. */
  withCatalog<T>(work: (catalog: UpstreamCatalog) => Promise<T>): Promise<T> {
    this.live();
    const catalog = this.catalogOf;
    if (!catalog) throw new Error('Not connected');
    return this.track(() => work(catalog));
  }

  /** Ends the session on the server (DELETE) where the transport has one, then closes. */
  async terminate(timeoutMs = 2_000): Promise<void> {
    const transport = this.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId && !this.lost) {
      await Promise.race([
        transport.terminateSession().catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.discard();
  }

  /** Resumes, connects on a remembered verdict, or probes; an unusable probe answer falls back to initialize. */
  private async attachStreamable(limits: RequestLimits): Promise<void> {
    const resume = this.o.resume;
    const prior = resume ? { ...LEGACY, protocolVersion: resume.protocolVersion ?? '' } : this.o.prior;
    try {
      await this.attach(this.streamable(), limits, prior);
    } catch (error) {
      if (prior !== undefined || !isProbeFailure(error) || limits.signal.aborted) throw error;
      await this.discard();
      this.o.onNote(`server/discover probe failed (${describe(error)}); trying initialize`);
      await this.attach(this.streamable(), limits, LEGACY);
    }
  }

  private streamable(): StreamableHTTPClientTransport {
    const resume = this.o.resume;
    const transport = new StreamableHTTPClientTransport(this.o.url, {
      fetch: this.streams.wrap(this.o.fetch),
      reconnectionOptions: { ...SDK_RECONNECTION, ...this.o.reconnectionOptions },
      ...(resume ? { sessionId: resume.sessionId } : {}),
    });
    // A resumed session skips initialize, so the negotiated version must come from what we persisted.
    if (resume?.protocolVersion) transport.setProtocolVersion(resume.protocolVersion);
    return transport;
  }

  private async attach(
    transport: StreamableHTTPClientTransport | SSEClientTransport,
    limits: RequestLimits,
    prior: Negotiation | undefined,
  ): Promise<void> {
    const client = createUpstreamClient(this.o.identity, {
      onToolsChanged: () => void this.refreshTools(),
      onTruncatedList: this.o.onNote,
    });
    this.client = client;
    this.relay = new UpstreamRelay(client, this.o.identity.capabilities, this.streams);
    const catalog = new UpstreamCatalog(client, (n) => this.o.onNotice?.(n), this.o.onNote);
    this.catalogOf = catalog;
    this.transport = transport;
    let opened = false;
    client.onerror = (error) => {
      // onerror is mostly noise (stray progress, GET stream hiccups); only a dead stream ends the connection.
      if (!opened || this.closing) return;
      const dead =
        transport instanceof SSEClientTransport || /Maximum reconnection attempts/.test(error.message);
      if (dead) this.markLost(`connection lost: ${describe(error)}`);
    };
    client.onclose = () => {
      if (opened && !this.closing) this.markLost('connection closed');
    };
    this.negotiation = await connectUpstream(client, transport, limits, prior);
    this.tools = await this.listTools(limits);
    // Modern servers tell of list changes only on a subscriptions/listen stream the client opens.
    void catalog.listen();
    opened = true;
  }

  private async refreshTools(): Promise<void> {
    const seq = ++this.refreshSeq;
    try {
      const tools = await this.listTools({
        signal: AbortSignal.timeout(this.timeoutMs),
        timeoutMs: this.timeoutMs,
      });
      // Only the newest refresh may win.
      if (seq !== this.refreshSeq || this.closed) return;
      this.tools = tools;
      this.o.onToolsChanged(tools);
    } catch (error) {
      this.o.onNote(`refreshing tools failed: ${describe(error)}`);
    }
  }

  private markLost(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.o.onLost(reason);
  }

  private live(): GatewayClient {
    if (!this.client || this.lost || this.closing) throw new Error('Not connected');
    return this.client;
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.retired) void this.close();
    }
  }

  private async discard(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.catalogOf?.close();
    this.catalogOf = undefined;
    await client?.close().catch(() => undefined);
  }
}
