import { randomUUID } from 'node:crypto';
import {
  inputRequired,
  type LoggingLevel,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { AppError } from '../../errors.js';
import type { ProgressUpdate, ToolResult } from '../core/types.js';
import { CAPABILITY_OF, type ClientRelay, type JsonRecord, type LogMessage } from './clientRelay.js';
import { Flight, type Leg } from './flight.js';
import type { ParkedCalls } from './parkedCalls.js';

const LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];
const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

export interface RelayedCallOptions {
  readonly username: string;
  /** The exposed tool name: a parked call resumes only for the same tool. */
  readonly tool: string;
  readonly parked?: ParkedCalls | undefined;
}

/** One /mcp tools/call as the relays see it: progress to send back, and how to run the call. */
export interface RelayedCall {
  readonly relay: ClientRelay;
  progress(update: ProgressUpdate): void;
  run(start: (signal: AbortSignal, relay: ClientRelay) => Promise<ToolResult>): Promise<ToolResult>;
}

/**
 * The calling client of one /mcp tools/call. A legacy session takes server→client requests on the
 * call's own response stream. A 2026-07-28 request cannot: what a legacy upstream asks mid-call
 * becomes an `input_required` result and the call waits, parked, for the client's retry (Flight);
 * a modern upstream's own `input_required` passes through unchanged. Log messages go through the
 * SDK's filter: the session's logging/setLevel, or the request's per-request log level.
 */
export function relayedCall(server: Server, ctx: ServerContext, options: RelayedCallOptions): RelayedCall {
  const envelope = ctx.mcpReq.envelope as JsonRecord | undefined;
  const declared = (envelope?.[CAPABILITIES_KEY] ?? server.getClientCapabilities() ?? {}) as JsonRecord;
  const token = ctx.mcpReq._meta?.progressToken;
  const progress = (update: ProgressUpdate): void => {
    if (token === undefined) return;
    void ctx.mcpReq
      .notify({ method: 'notifications/progress', params: { ...update, progressToken: token } })
      .catch(() => undefined);
  };
  const log = (message: LogMessage): void => {
    const level = LEVELS.find((l) => l === message.level) ?? 'info';
    void ctx.mcpReq.log(level, message.data, message.logger).catch(() => undefined);
  };
  if (envelope === undefined) return legacyCall(ctx, options.username, declared, progress, log);
  return modernCall(ctx, options, declared, { signal: ctx.mcpReq.signal, progress, log });
}

function legacyCall(
  ctx: ServerContext,
  username: string,
  capabilities: JsonRecord,
  progress: (update: ProgressUpdate) => void,
  log: (message: LogMessage) => void,
): RelayedCall {
  // A stateless legacy POST has no session: that request alone is the client.
  const scope = ctx.sessionId ? `session ${ctx.sessionId}` : `request ${randomUUID()}`;
  const relay: ClientRelay = {
    owner: `${username}\u0000${scope}`,
    era: 'legacy',
    // Without a session (a stateless POST answered with plain JSON) nothing can reach the client mid-call.
    supports: (method) => ctx.sessionId !== undefined && capabilities[CAPABILITY_OF[method]] !== undefined,
    request: async (method, params, signal) =>
      (await ctx.mcpReq.send({ method, params }, { signal })) as JsonRecord,
    log,
  };
  return { relay, progress, run: (start) => start(ctx.mcpReq.signal, relay) };
}

function modernCall(
  ctx: ServerContext,
  options: RelayedCallOptions,
  capabilities: JsonRecord,
  leg: Leg,
): RelayedCall {
  const responses = ctx.mcpReq.inputResponses;
  const state = ctx.mcpReq.requestState<unknown>();
  const resumed =
    typeof state === 'string' ? options.parked?.take(state, options.username, options.tool) : undefined;
  // A state that is not one of ours is the upstream's: it goes back there byte for byte.
  const retry =
    !resumed && (responses !== undefined || typeof state === 'string')
      ? {
          ...(responses !== undefined ? { inputResponses: responses } : {}),
          ...(typeof state === 'string' ? { requestState: state } : {}),
        }
      : undefined;
  const flight =
    resumed ?? new Flight(`${options.username}\u0000request ${randomUUID()}`, capabilities, retry);
  return {
    relay: flight,
    progress: (update) => flight.progress(update),
    async run(start) {
      flight.bind(leg);
      if (resumed) flight.answer(responses);
      else flight.start(start(flight.signal, flight));
      const outcome = await flight.next();
      if (outcome.kind === 'result') return outcome.result;
      const requestState = options.parked?.park(flight, options.username, options.tool);
      if (requestState === undefined) {
        const why = 'too many of your calls are waiting for input; answer or cancel one first';
        flight.cancel(why);
        throw new AppError('limit_exceeded', why);
      }
      const question = { method: outcome.method, params: outcome.params };
      return { ...inputRequired({ inputRequests: { [outcome.key]: question } as never, requestState }) };
    },
  };
}
