import {
  ProtocolError,
  ProtocolErrorCode,
  type Client,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import { randomUUID } from 'node:crypto';
import type { ProgressUpdate, UpstreamCapabilities } from '../core/types.js';
import { ClientTasks, TaskError } from './clientTasks.js';
import { StreamAttribution } from './streamAttribution.js';
import { hideUpstreamTask } from './upstreamTask.js';
import {
  CAPABILITY_OF,
  RELAYED_METHODS,
  type ClientRelay,
  type JsonRecord,
  type RelayedMethod,
} from './clientRelay.js';

const AMBIGUOUS = 'no single client call is in flight on this connection';

type HandlerContext = { mcpReq: { id: string | number; signal: AbortSignal } };

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
 * Server→client requests (elicitation, sampling, roots) and log messages go to the call whose
 * Streamable HTTP response stream carried them (StreamAttribution). On stdio and on an SSE stream
 * nothing ties them to a call: they are routed only when every call in flight on the connection
 * belongs to one client (one legacy session or one modern request); otherwise the upstream gets a
 * JSON-RPC error and the log message is dropped. Never a guess, never another user.
 */
export class UpstreamRelay {
  private readonly calls = new Map<string, ActiveCall>();
  /** Tokens are unique across connections: a stream attribution may outlive one client. */
  private readonly prefix = `mcp-api-${randomUUID().slice(0, 8)}`;
  private seq = 0;
  private wrapped: Transport | undefined;
  private readonly tasks = new ClientTasks();
  private readonly tasksEnabled: boolean;

  constructor(
    private readonly client: Client,
    capabilities: UpstreamCapabilities,
    private readonly streams?: StreamAttribution,
  ) {
    const relay = (method: RelayedMethod, params: unknown, ctx: HandlerContext): Promise<never> =>
      this.relayRequest(method, (params ?? {}) as JsonRecord, ctx.mcpReq) as Promise<never>;
    this.tasksEnabled = capabilities.tasks !== undefined;
    // The SDK refuses handlers for capabilities the connection does not advertise.
    for (const method of RELAYED_METHODS) {
      if (!capabilities[CAPABILITY_OF[method]]) continue;
      if (method === 'elicitation/create')
        client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx));
      else if (method === 'sampling/createMessage')
        client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx));
      else client.setRequestHandler(method, (r, ctx) => relay(method, r.params, ctx));
    }
  }

  /** A call starts; `end()` when it settles (progress after that is dropped, as it belongs to nobody). */
  begin(relay: ClientRelay | undefined, onProgress: ((u: ProgressUpdate) => void) | undefined): CallHandle {
    this.attach();
    const token = `${this.prefix}-${++this.seq}`;
    this.calls.set(token, { relay, onProgress });
    return {
      token,
      end: () => {
        this.calls.delete(token);
        this.streams?.forget(token);
      },
    };
  }

  /** The call a token stands for is in flight (on this connection). */
  has(token: string): boolean {
    return this.calls.has(token);
  }

  /** The call's client by stream, when the transport tells; else the sole client in flight. */
  private clientFor(token: string | undefined): ClientRelay | undefined {
    if (token !== undefined) return this.calls.get(token)?.relay;
    return this.soleClient();
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

  private async relayRequest(
    method: RelayedMethod,
    params: JsonRecord,
    req: { id: string | number; signal: AbortSignal },
  ): Promise<JsonRecord> {
    const target = this.clientFor(this.streams?.requestOwner(req.id));
    if (!target) {
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `${method} cannot be relayed: ${AMBIGUOUS}`);
    }
    if (!target.supports(method))
      throw new ProtocolError(
        ProtocolErrorCode.MethodNotFound,
        `The calling client does not support ${method}`,
      );
    return target.request(method, params, req.signal);
  }

  /** Wraps the transport's message handler once per transport (a reconnect brings a new one). */
  private attach(): void {
    const transport = this.client.transport;
    if (!transport || transport === this.wrapped) return;
    this.wrapped = transport;
    const inner = transport.onmessage;
    const previousClose = transport.onclose;
    transport.onclose = () => {
      this.tasks.close();
      previousClose?.();
    };
    transport.onmessage = (message, extra) => {
      if (!this.intercept(message, transport)) inner?.(message, extra);
    };
  }

  /**
   * Task-augmented elicitation and sampling (2025-11-25) and the task polls that follow are
   * answered here, below the SDK, which would validate a CreateTaskResult as a plain result.
   */
  private taskRequest(message: Request, transport: Transport): boolean {
    const params = (message.params ?? {}) as JsonRecord;
    const method = message.method;
    const polled = method.startsWith('tasks/');
    const augmented = (method === 'elicitation/create' || method === 'sampling/createMessage') && params.task;
    if (!polled && !augmented) return false;
    const reply = (work: () => Promise<JsonRecord>): void => {
      work().then(
        (result) => void transport.send({ jsonrpc: '2.0', id: message.id, result }).catch(() => undefined),
        (error: unknown) => {
          const code = error instanceof TaskError || ProtocolError.isInstance(error) ? error.code : -32603;
          const text = error instanceof Error ? error.message : String(error);
          void transport
            .send({ jsonrpc: '2.0', id: message.id, error: { code, message: text } })
            .catch(() => undefined);
        },
      );
    };
    if (polled) {
      reply(() => this.tasks.handle(method, params));
      return true;
    }
    const relayed = method as RelayedMethod;
    // Attributed now, while the causing call is in flight; the relay itself runs in the background.
    const target = this.clientFor(this.streams?.requestOwner(message.id));
    const { task, ...plain } = params;
    reply(async () => {
      if (!target)
        throw new ProtocolError(
          ProtocolErrorCode.MethodNotFound,
          `${method} cannot be relayed: ${AMBIGUOUS}`,
        );
      if (!target.supports(relayed))
        throw new ProtocolError(
          ProtocolErrorCode.MethodNotFound,
          `The calling client does not support ${method}`,
        );
      return this.tasks.create((task as JsonRecord).ttl, (signal) => target.request(relayed, plain, signal));
    });
    return true;
  }

  private intercept(message: JSONRPCMessage, transport: Transport): boolean {
    if (!('method' in message)) {
      // A 2026-07-28 upstream answered a call with a task: the SDK client would refuse it (see upstreamTask.ts).
      if ('result' in message && message.result.resultType === 'task')
        (message as { result: JsonRecord }).result = hideUpstreamTask(message.result as JsonRecord);
      return false;
    }
    if ('id' in message) return this.tasksEnabled && this.taskRequest(message, transport);
    const params = (message.params ?? {}) as JsonRecord;
    if (message.method === 'notifications/progress') {
      const call = this.calls.get(String(params.progressToken));
      if (!call) return false;
      call.onProgress?.(progressOf(params));
      return true;
    }
    if (message.method === 'notifications/message') {
      const target = this.clientFor(this.streams?.logOwner(params));
      target?.log({ level: String(params.level), logger: loggerOf(params), data: params.data });
      return true;
    }
    return false;
  }
}

type Request = Extract<JSONRPCMessage, { id: unknown; method: string }>;

function progressOf(params: JsonRecord): ProgressUpdate {
  return {
    progress: Number(params.progress),
    ...(typeof params.total === 'number' ? { total: params.total } : {}),
    ...(typeof params.message === 'string' ? { message: params.message } : {}),
  };
}

const loggerOf = (params: JsonRecord): string | undefined =>
  typeof params.logger === 'string' ? params.logger : undefined;
