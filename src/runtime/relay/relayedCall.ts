import type { Client } from '@modelcontextprotocol/client';
import { AppError } from '../../errors.js';
import type { CallLimits, ToolResult } from '../core/types.js';
import { RELAYED_METHODS, type ClientRelay, type JsonRecord, type RelayedMethod } from './clientRelay.js';
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
  client: Client,
  hub: UpstreamRelay,
  name: string,
  args: Record<string, unknown>,
  limits: CallLimits,
): Promise<ToolResult> {
  const relay = limits.relay;
  const handle = hub.begin(relay, limits.onProgress);
  try {
    // Always our token: it also tells which Streamable HTTP response stream belongs to this call.
    const base = { name, arguments: args, _meta: { ...limits.trace, progressToken: handle.token } };
    let params: JsonRecord = { ...base, ...relay?.retry };
    if (limits.asTask) return await callAsTask(client, params, limits);
    for (let round = 0; ; round++) {
      const result = (await client.request(
        { method: 'tools/call', params: params as { name: string } },
        { signal: limits.signal, timeout: limits.timeoutMs, allowInputRequired: true },
      )) as ToolResult;
      const task = upstreamTaskOf(result);
      if (task)
        return await followTask(client, task, limits, (requests) => answerAll(relay, name, requests, limits));
      if (result.resultType !== 'input_required') return { ...result };
      if (relay?.era === 'modern') return { ...result };
      if (!relay) throw needsClient(name);
      if (round + 1 >= MAX_INPUT_ROUNDS)
        throw new AppError(
          'upstream_error',
          `Tool ${name} asked for input more than ${MAX_INPUT_ROUNDS} times`,
        );
      const inputResponses = await fulfil(relay, result.inputRequests, limits.signal);
      params = {
        ...base,
        inputResponses,
        ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
      };
    }
  } finally {
    handle.end();
  }
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
