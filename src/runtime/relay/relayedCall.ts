import { SdkError, SdkErrorCode, type Client } from '@modelcontextprotocol/client';
import type { GatewayClient } from '../client/gatewayClient.js';
import { withDeadline } from '../calls/deadline.js';
import { AppError } from '../../errors.js';
import type { CallLimits, ToolResult } from '../core/types.js';
import {
  CAPABILITY_OF,
  RELAYED_CAPABILITIES,
  RELAYED_METHODS,
  type ClientRelay,
  type JsonRecord,
  type RelayedMethod,
} from './clientRelay.js';
import type { UpstreamRelay } from './upstreamRelay.js';
import { callAsTask, followTask, upstreamTaskOf } from './upstreamTask.js';

/** As many input rounds as the SDK's own driver allows before giving up. */
const MAX_INPUT_ROUNDS = 10;

/**
 * tools/call with everything relayed: progress by our own token, server→client requests and log
 * messages to the calling client (see UpstreamRelay), and 2026-07-28 `input_required` results.
 * Those pass through unchanged to a modern client (its retry carries `inputResponses` and the
 * byte-exact `requestState` back here); for a legacy client the gateway asks it each embedded
 * request as a server→client request and retries upstream itself.
 */
export async function relayedCallTool(
  client: GatewayClient,
  hub: UpstreamRelay,
  name: string,
  args: Record<string, unknown>,
  limits: CallLimits,
): Promise<ToolResult> {
  const relay = limits.relay;
  const handle = hub.begin(relay, limits.onProgress);
  const started = Date.now();
  try {
    // Always our token: it also tells which Streamable HTTP response stream belongs to this call.
    const meta = { ...limits.trace, progressToken: handle.token, ...callerCapabilities(client, relay) };
    const base = { name, arguments: args, _meta: meta };
    const params: JsonRecord = { ...base, ...relay?.retry };
    if (limits.asTask) return await callAsTask(client, params, limits);
    const first = await requestRound(client, params, limits.signal, limits.timeoutMs);
    // A 2026-07-28 upstream answered with a task (SEP-2663): followed here, never handed to a client.
    const task = upstreamTaskOf(first);
    if (task)
      return await followTask(client, task, limits, (requests) => answerAll(relay, name, requests, limits));
    if (first.resultType !== 'input_required') return { ...first };
    if (relay?.era === 'modern') return { ...first };
    if (!relay) throw needsClient(name);
    // The rare multi-round call: the rounds and the client's answers share what is left of the budget.
    const left = Math.max(limits.timeoutMs - (Date.now() - started), 1);
    return await withDeadline(
      left,
      limits.signal,
      (signal) => moreRounds(client, relay, name, base, first, signal, left),
      (error, outcome) =>
        outcome.timedOut && !outcome.callerAborted
          ? new SdkError(SdkErrorCode.RequestTimeout, `timed out after ${limits.timeoutMs} ms`)
          : error instanceof Error
            ? error
            : new Error(String(error)),
    );
  } finally {
    handle.end();
  }
}

function requestRound(
  client: GatewayClient,
  params: JsonRecord,
  signal: AbortSignal,
  timeout: number,
): Promise<ToolResult> {
  return client.specRequest(
    { method: 'tools/call', params },
    { signal, timeout, allowInputRequired: true },
  ) as Promise<ToolResult>;
}

/** Answers the embedded requests through the legacy client and retries upstream, round after round. */
async function moreRounds(
  client: GatewayClient,
  relay: ClientRelay,
  name: string,
  base: JsonRecord,
  first: ToolResult,
  signal: AbortSignal,
  timeout: number,
): Promise<ToolResult> {
  let result = first;
  for (let round = 1; ; round++) {
    if (round >= MAX_INPUT_ROUNDS)
      throw new AppError(
        'upstream_error',
        `Tool ${name} asked for input more than ${MAX_INPUT_ROUNDS} times`,
      );
    const inputResponses = await fulfil(relay, result.inputRequests, signal);
    result = await requestRound(
      client,
      {
        ...base,
        inputResponses,
        ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
      },
      signal,
      timeout,
    );
    if (result.resultType !== 'input_required') return { ...result };
  }
}

const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

/**
 * A 2026-07-28 upstream reads the client's capabilities from each request: it is told what the gateway
 * relays minus what this caller cannot answer, so it refuses (or adapts) exactly as it would for the
 * caller directly, instead of asking for input the caller can never give. The SDK lets these keys
 * override its own envelope. Legacy upstreams learnt the gateway's capabilities once, at initialize.
 */
function callerCapabilities(client: Client, relay: ClientRelay | undefined): JsonRecord {
  if (!relay || client.getProtocolEra() !== 'modern') return {};
  const capabilities: JsonRecord = { ...RELAYED_CAPABILITIES };
  for (const method of RELAYED_METHODS)
    if (!relay.supports(method)) delete capabilities[CAPABILITY_OF[method]];
  return { [CLIENT_CAPABILITIES]: capabilities };
}

/** What an upstream task asks meanwhile goes to the calling client, in either era. */
function answerAll(
  relay: ClientRelay | undefined,
  tool: string,
  requests: unknown,
  limits: CallLimits,
): Promise<JsonRecord> {
  if (!relay) throw needsClient(tool);
  return fulfil(relay, requests, limits.signal);
}

/** A legacy client answers each embedded request as the server→client request it stands for. */
async function fulfil(relay: ClientRelay, requests: unknown, signal: AbortSignal): Promise<JsonRecord> {
  const entries = Object.entries((requests ?? {}) as Record<string, { method?: unknown; params?: unknown }>);
  const answers = await Promise.all(
    entries.map(async ([key, request]) => {
      const method = RELAYED_METHODS.find((m) => m === request.method);
      if (!method || !relay.supports(method)) throw unsupported(String(request.method));
      return [key, await relay.request(method, (request.params ?? {}) as JsonRecord, signal)] as const;
    }),
  );
  return Object.fromEntries(answers);
}

const needsClient = (tool: string): AppError =>
  new AppError(
    'upstream_error',
    `Tool ${tool} needs input from the client (elicitation, sampling or roots): call it through /mcp`,
  );

const unsupported = (method: string): AppError =>
  new AppError('upstream_error', `The tool asked for ${method}, which the calling client does not support`);

export type { RelayedMethod };
