import { randomUUID } from 'node:crypto';
import type { CallToolResult, Server, ServerContext } from '@modelcontextprotocol/server';
import type { ClientRelay, JsonRecord } from '../relay/clientRelay.js';
import { Flight } from '../relay/flight.js';
import type { GatewayTasks, TaskOutcome, TaskRun } from '../relay/gatewayTasks.js';
import { relayedCall } from '../relay/sessionRelay.js';
import { createdTask, statusNotifier, type TaskEra } from './taskHandlers.js';
import { callToolBody, type CallBodyDeps, type CallTarget } from './toolCallBody.js';

const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
/** As many input rounds as a plain call allows (relayedCall.ts). */
const MAX_INPUT_ROUNDS = 10;

/**
 * Starts a tools/call as a gateway task and answers the CreateTaskResult at once. The call runs in
 * the background on the same call path as a plain call (callToolBody), with the task's own abort
 * signal (tasks/cancel, expiry, shutdown), not the request's: the request ends with this answer.
 */
export function startTaskCall(
  era: TaskEra,
  tasks: GatewayTasks,
  deps: CallBodyDeps,
  server: Server,
  ctx: ServerContext,
  target: CallTarget,
  args: Record<string, unknown>,
  ttl: unknown,
): CallToolResult {
  const username = deps.access.principal.username;
  const body = (runner: Parameters<typeof callToolBody>[5], progress?: Parameters<typeof callToolBody>[6]) =>
    callToolBody(deps, server, ctx, target, args, runner, progress);
  let run: (task: TaskRun) => Promise<TaskOutcome>;
  if (era === 'legacy') {
    // A 2025-11-25 session still takes server→client requests and progress on its own streams.
    const relayed = relayedCall(server, ctx, { username, tool: target.name });
    run = async (task) => {
      // Once tools/call is answered, the task's questions ride on a waiting tasks/result (the spec's way).
      const relay: ClientRelay = {
        ...relayed.relay,
        request: (method, params, signal) => task.send(method, params, signal),
      };
      return { result: await body((start) => start(task.signal, relay), relayed.progress) };
    };
  } else {
    const envelope = ctx.mcpReq.envelope as JsonRecord | undefined;
    const capabilities = (envelope?.[CAPABILITIES_KEY] ?? {}) as JsonRecord;
    run = (task) => modernTask(task, `${username}\u0000task ${randomUUID()}`, capabilities, body);
  }
  const view = tasks.create(username, ttl, run, era === 'legacy' ? statusNotifier(server, ctx) : undefined);
  return createdTask(era, view);
}

/**
 * A 2026-07-28 task: what the upstream asks meanwhile (a legacy upstream's server→client request,
 * or a modern upstream's own input_required) parks the task in `input_required` with those input
 * requests; tasks/update brings the answers, and the call goes on (or is retried upstream with the
 * answers and its requestState, byte for byte).
 */
async function modernTask(
  task: TaskRun,
  owner: string,
  capabilities: JsonRecord,
  body: (runner: Parameters<typeof callToolBody>[5]) => Promise<CallToolResult>,
): Promise<TaskOutcome> {
  let retry: ClientRelay['retry'];
  for (let round = 0; round < MAX_INPUT_ROUNDS; round++) {
    const flight = new Flight(owner, capabilities, retry);
    const cancel = (): void => flight.cancel('the task was cancelled');
    task.signal.addEventListener('abort', cancel, { once: true });
    try {
      const result = await body(async (start) => {
        flight.start(start(flight.signal, flight));
        for (;;) {
          const outcome = await flight.next();
          if (outcome.kind === 'result') return outcome.result;
          const question = { method: outcome.method, params: outcome.params };
          flight.answer(await task.ask({ [outcome.key]: question }));
        }
      });
      const asked = result as JsonRecord;
      if (asked.resultType !== 'input_required') return { result: asked };
      const inputResponses = await task.ask((asked.inputRequests ?? {}) as JsonRecord);
      const state = asked.requestState;
      retry = { inputResponses, ...(typeof state === 'string' ? { requestState: state } : {}) };
    } finally {
      task.signal.removeEventListener('abort', cancel);
    }
  }
  return { error: { code: -32603, message: `The tool asked for input more than ${MAX_INPUT_ROUNDS} times` } };
}
