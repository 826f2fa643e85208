import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ListToolsResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../../errors.js';
import type { ReconnectionOptions } from '../../events/serverEvents.js';
import { listAllTools } from '../core/listAllTools.js';
import type { CallLimits, ClientInfo, RequestLimits } from '../stdio/stdioConnection.js';
import type { ToolDescriptor, ToolResult } from '../core/types.js';
import { UrlRefusedError } from '../../net/urlSafety.js';

export type RemoteTransportKind = 'streamable_http' | 'sse';

export interface RemoteConnectionOptions {
  readonly url: URL;
  /** isolating → authorizing → safe fetch; every request of the transport goes through it. */
  readonly fetch: FetchLike;
  readonly reconnectionOptions?: ReconnectionOptions | undefined;
  /** A persisted session to resume: no initialize is sent, the first request carries it. */
  readonly resume?: { readonly sessionId: string; readonly protocolVersion?: string | undefined } | undefined;
  readonly clientInfo: ClientInfo;
  /** The connection died after open() (dropped SSE stream, closed client). */
  readonly onLost: (reason: string) => void;
  /** The server announced a new tool list; `tools` holds it already. */
  readonly onToolsChanged: (tools: ToolDescriptor[]) => void;
  /** Something worth a line in the server's logs (truncated tool list, failed refresh). */
  readonly onNote: (reason: string) => void;
}

const SDK_RECONNECTION = { maxReconnectionDelay: 30_000, initialReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 2 };

/** The resumed session is unknown to the server (HTTP 404): clear it and initialize afresh. */
export class SessionExpiredError extends Error {
  constructor() {
    super('the MCP session is no longer known to the server (HTTP 404)');
    this.name = 'SessionExpiredError';
  }
}

/** HTTP status of a transport failure, if it was one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0) return error.code;
  const match = error instanceof Error ? /\(HTTP (\d{3})\)/.exec(error.message) : null;
  return match?.[1] ? Number(match[1]) : undefined;
}

/** Initialization answers meaning "not a Streamable HTTP endpoint": try the legacy SSE transport. */
function fallsBackToSse(error: unknown): boolean {
  if (isAppError(error) || error instanceof UrlRefusedError) return false;
  if (error instanceof StreamableHTTPError && error.code === -1) return /Unexpected content type/.test(error.message);
  const status = httpStatusOf(error);
  return status === 400 || status === 404 || status === 405;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * One SDK Client on one HTTP transport: a single connection attempt. Streamable HTTP first; if
 * initialization answers 400/404/405 or a non-MCP content type, the legacy SSE transport on the
 * same URL. Thrown away and rebuilt when it dies or its session expires.
 */
export class RemoteConnection {
  private client: Client | undefined;
  private transport: StreamableHTTPClientTransport | SSEClientTransport | undefined;
  private closing = false;
  private lost = false;
  private retired = false;
  private inFlight = 0;
  private timeoutMs = 30_000;
  private refreshSeq = 0;
  kind: RemoteTransportKind | undefined;
  tools: ToolDescriptor[] = [];

  constructor(private readonly o: RemoteConnectionOptions) {}

  get sessionId(): string | undefined {
    return this.transport instanceof StreamableHTTPClientTransport ? this.transport.sessionId : undefined;
  }

  get protocolVersion(): string | undefined {
    return this.transport instanceof StreamableHTTPClientTransport ? this.transport.protocolVersion : undefined;
  }

  get resumed(): boolean {
    return this.o.resume !== undefined;
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
      await this.attach(this.streamable(), limits);
      this.kind = 'streamable_http';
    } catch (error) {
      await this.discard();
      if (this.resumed && httpStatusOf(error) === 404) throw new SessionExpiredError();
      if (limits.signal.aborted) throw new Error(`startup did not complete within ${timeoutMs} ms`, { cause: error });
      if (!fallsBackToSse(error)) throw error;
      try {
        await this.attach(new SSEClientTransport(this.o.url, { fetch: this.o.fetch }), limits);
        this.kind = 'sse';
      } catch (sseError) {
        await this.discard();
        if (isAppError(sseError)) throw sseError;
        throw new Error(`Streamable HTTP failed (${describe(error)}); SSE fallback failed too (${describe(sseError)})`, { cause: sseError });
      }
    }
    return this.tools;
  }

  listTools(limits: RequestLimits): Promise<ToolDescriptor[]> {
    const client = this.live();
    return this.track(() => listAllTools(
      async (cursor) => {
        const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, {
          signal: limits.signal,
          timeout: limits.timeoutMs,
        });
        return { tools: page.tools.map((tool): ToolDescriptor => ({ ...tool })), nextCursor: page.nextCursor };
      },
      { onTruncated: this.o.onNote },
    ));
  }

  /** Pass-through tools/call: no client-side output validation, the result is forwarded as is. */
  async callTool(name: string, args: Record<string, unknown>, limits: CallLimits): Promise<ToolResult> {
    const client = this.live();
    const onprogress = limits.onProgress;
    const result = await this.track(() =>
      client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
        signal: limits.signal,
        timeout: limits.timeoutMs,
        ...(onprogress ? { onprogress } : {}),
      }),
    );
    return { ...result };
  }

  /** Ends the session on the server (DELETE) where the transport has one, then closes. */
  async terminate(timeoutMs = 2_000): Promise<void> {
    const transport = this.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId && !this.lost) {
      await Promise.race([transport.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.discard();
  }

  private streamable(): StreamableHTTPClientTransport {
    const resume = this.o.resume;
    const transport = new StreamableHTTPClientTransport(this.o.url, {
      fetch: this.o.fetch,
      reconnectionOptions: { ...SDK_RECONNECTION, ...this.o.reconnectionOptions },
      ...(resume ? { sessionId: resume.sessionId } : {}),
    });
    // A resumed session skips initialize, so the negotiated version must come from what we persisted.
    if (resume?.protocolVersion) transport.setProtocolVersion(resume.protocolVersion);
    return transport;
  }

  private async attach(transport: StreamableHTTPClientTransport | SSEClientTransport, limits: RequestLimits): Promise<void> {
    const client = new Client(this.o.clientInfo, { capabilities: {} });
    this.client = client;
    this.transport = transport;
    let opened = false;
    client.onerror = (error) => {
      // onerror is mostly noise (stray progress, GET stream hiccups); only a dead stream ends the connection.
      if (!opened || this.closing) return;
      const dead = transport instanceof SSEClientTransport || /Maximum reconnection attempts/.test(error.message);
      if (dead) this.markLost(`connection lost: ${describe(error)}`);
    };
    client.onclose = () => {
      if (opened && !this.closing) this.markLost('connection closed');
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void this.refreshTools());
    await client.connect(transport, { signal: limits.signal, timeout: limits.timeoutMs });
    this.tools = await this.listTools(limits);
    opened = true;
  }

  private async refreshTools(): Promise<void> {
    const seq = ++this.refreshSeq;
    try {
      const tools = await this.listTools({ signal: AbortSignal.timeout(this.timeoutMs), timeoutMs: this.timeoutMs });
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

  private live(): Client {
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
    await client?.close().catch(() => undefined);
  }
}
