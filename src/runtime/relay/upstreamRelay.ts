import {
  ProtocolError,
  ProtocolErrorCode,
  type Client,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import type { ProgressUpdate, UpstreamCapabilities } from '../core/types.js';
import {
  CAPABILITY_OF,
  RELAYED_METHODS,
  type ClientRelay,
  type JsonRecord,
  type RelayedMethod,
} from './clientRelay.js';

interface ActiveCall {
  readonly relay: ClientRelay | undefined;
  readonly onProgress: ((update: ProgressUpdate) => void) | undefined;
}

export interface CallHandle {
  /** The progressToken the call carries upstream (ours, so notifications are matched synchronously). */
  readonly token: string;
  end(): void;
}

/**
 * The upstream side of every relay for one upstream connection: which tool calls are in flight and
 * for whom, so that what the upstream sends during a call reaches the client that made it.
 *
 * Progress is matched by our own progress token inside the transport's message handler, before
 * the SDK sees the message: the SDK dispatches notifications a microtask late but responses at
 * once, so a last progress notification that arrives in the same chunk as the result was dropped.
 *
 * Server→client requests (elicitation, sampling, roots) and log messages carry no reference to
 * the call that caused them on stdio or on an SSE stream. They are routed only when every call in
 * flight on the connection belongs to one client (one legacy session or one modern request);
 * otherwise the upstream gets a JSON-RPC error and the log message is dropped: never a guess.
 */
export class UpstreamRelay {
  private readonly calls = new Map<string, ActiveCall>();
  private seq = 0;
  private wrapped: Transport | undefined;

  constructor(
    private readonly client: Client,
    capabilities: UpstreamCapabilities,
  ) {
    const relay = (method: RelayedMethod, params: unknown, signal: AbortSignal): Promise<never> =>
      this.relayRequest(method, (params ?? {}) as JsonRecord, signal) as Promise<never>;
    // The SDK refuses handlers for capabilities the connection does not advertise.
    for (const method of RELAYED_METHODS) {
      if (!capabilities[CAPABILITY_OF[method]]) continue;
      if (method === 'elicitation/create')
        client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx.mcpReq.signal));
      else if (method === 'sampling/createMessage')
        client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx.mcpReq.signal));
      else client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx.mcpReq.signal));
    }
  }

  /** A call starts; `end()` when it settles (progress after that is dropped, as it belongs to nobody). */
  begin(relay: ClientRelay | undefined, onProgress: ((u: ProgressUpdate) => void) | undefined): CallHandle {
    this.attach();
    const token = `mcp-api-${++this.seq}`;
    this.calls.set(token, { relay, onProgress });
    return { token, end: () => void this.calls.delete(token) };
  }

  /** The one client every call in flight belongs to, or undefined when there is none or several. */
  soleClient(): ClientRelay | undefined {
    let found: ClientRelay | undefined;
    for (const call of this.calls.values()) {
      // A REST call has no client to ask: it could be the cause as well.
      if (!call.relay || (found && found.owner !== call.relay.owner)) return undefined;
      found = call.relay;
    }
    return found;
  }

  private async relayRequest(method: RelayedMethod, params: JsonRecord, signal: AbortSignal): Promise<JsonRecord> {
    const target = this.soleClient();
    if (!target) {
      throw new ProtocolError(
        ProtocolErrorCode.MethodNotFound,
        `${method} cannot be relayed: no single client call is in flight on this connection`,
      );
    }
    if (!target.supports(method))
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `The calling client does not support ${method}`);
    return target.request(method, params, signal);
  }

  /** Wraps the transport's message handler once per transport (a reconnect brings a new one). */
  private attach(): void {
    const transport = this.client.transport;
    if (!transport || transport === this.wrapped) return;
    this.wrapped = transport;
    const inner = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (!this.intercept(message)) inner?.(message, extra);
    };
  }

  private intercept(message: JSONRPCMessage): boolean {
    if (!('method' in message) || 'id' in message) return false;
    const params = (message.params ?? {}) as JsonRecord;
    if (message.method === 'notifications/progress') {
      const call = this.calls.get(String(params.progressToken));
      if (!call) return false;
      call.onProgress?.(progressOf(params));
      return true;
    }
    if (message.method === 'notifications/message') {
      this.soleClient()?.log({ level: String(params.level), logger: loggerOf(params), data: params.data });
      return true;
    }
    return false;
  }
}

function progressOf(params: JsonRecord): ProgressUpdate {
  return {
    progress: Number(params.progress),
    ...(typeof params.total === 'number' ? { total: params.total } : {}),
    ...(typeof params.message === 'string' ? { message: params.message } : {}),
  };
}

const loggerOf = (params: JsonRecord): string | undefined =>
  typeof params.logger === 'string' ? params.logger : undefined;
