import type { Client, StandardSchemaV1 } from '@modelcontextprotocol/client';
import { AppError } from '../../errors.js';
import type { CallLimits, ToolResult } from '../core/types.js';
import type { JsonRecord } from './clientRelay.js';

/** Results of task methods have no era schema in the SDK: they pass through as JSON objects. */
const ANY_OBJECT: StandardSchemaV1<JsonRecord, JsonRecord> = {
  '~standard': {
    version: 1,
    vendor: 'mcp-api',
    validate: (value: unknown) =>
      value !== null && typeof value === 'object'
        ? { value: value as JsonRecord }
        : { issues: [{ message: 'expected an object' }] },
  },
};

/**
 * A tool that only runs as a task (2025-11-25 `execution.taskSupport: "required"`): the gateway
 * creates the task upstream and waits on tasks/result (which blocks until the task ends and carries
 * whatever the task asks the client meanwhile), so every caller (REST, /mcp in either era) gets
 * the plain result. The task id never leaves the gateway: only the call that created it can see,
 * wait on or cancel it. Cancelling the call cancels the task (tasks/cancel).
 */
export async function callAsTask(
  client: Client,
  params: JsonRecord,
  limits: CallLimits,
): Promise<ToolResult> {
  const options = { signal: limits.signal, timeout: limits.timeoutMs };
  const created: JsonRecord = await client.request(
    { method: 'tools/call', params: { ...params, task: { ttl: limits.timeoutMs } } },
    ANY_OBJECT,
    options,
  );
  const task = created.task as { taskId?: unknown } | undefined;
  if (typeof task?.taskId !== 'string') return { ...created };
  const taskId = task.taskId;
  try {
    // Our progress token again: on Streamable HTTP it ties what arrives on this stream to the call.
    const meta = params._meta as JsonRecord | undefined;
    const result: JsonRecord = await client.request(
      { method: 'tasks/result', params: { taskId, ...(meta ? { _meta: meta } : {}) } },
      ANY_OBJECT,
      options,
    );
    return { ...result };
  } catch (error) {
    if (limits.signal.aborted) {
      void client
        .request({ method: 'tasks/cancel', params: { taskId } }, ANY_OBJECT, { timeout: 5_000 })
        .catch(() => undefined);
    }
    throw error;
  }
}

/**
 * Where a 2026-07-28 upstream's CreateTaskResult (`resultType: "task"`, SEP-2663) travels inside
 * the gateway: the SDK client refuses that result type, so UpstreamRelay rewrites the response
 * below the SDK into a complete result carrying the task under this `_meta` key, and the call
 * follows the task (followTask). It never reaches a client.
 */
export const UPSTREAM_TASK_KEY = 'mcp-api/upstream-task';

/** The response's result, rewritten when it is a CreateTaskResult; anything else unchanged. */
export function hideUpstreamTask(result: JsonRecord): JsonRecord {
  if (result.resultType !== 'task') return result;
  const { _meta, resultType: _task, ...task } = result;
  return {
    resultType: 'complete',
    content: [],
    _meta: { ...(_meta as JsonRecord), [UPSTREAM_TASK_KEY]: task },
  };
}

export function upstreamTaskOf(result: JsonRecord): { taskId: string; pollIntervalMs?: unknown } | undefined {
  const task = (result._meta as JsonRecord | undefined)?.[UPSTREAM_TASK_KEY] as JsonRecord | undefined;
  return typeof task?.taskId === 'string'
    ? { taskId: task.taskId, pollIntervalMs: task.pollIntervalMs }
    : undefined;
}

const MIN_POLL_MS = 50;
/** As many input rounds as a plain call allows (relayedCall.ts). */
const MAX_INPUT_ROUNDS = 10;
const MAX_POLL_MS = 5_000;

/** Waits `ms`, or rejects when the call is cancelled. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Follows a 2026-07-28 upstream task to its end for the caller of a plain call: tasks/get at the
 * upstream's pollIntervalMs (bounded), its `input_required` requests answered by the calling
 * client (`answer`: the relays, in either era) and delivered with tasks/update, its inline result
 * returned, its error thrown as the upstream's JSON-RPC error. Cancelling the call cancels the task
 * upstream; so does running past the call's timeout.
 */
export async function followTask(
  client: Client,
  task: { taskId: string; pollIntervalMs?: unknown },
  limits: CallLimits,
  answer: (inputRequests: unknown) => Promise<JsonRecord>,
): Promise<ToolResult> {
  const { taskId } = task;
  const options = { signal: limits.signal, timeout: limits.timeoutMs };
  const deadline = Date.now() + limits.timeoutMs;
  let interval = task.pollIntervalMs;
  let rounds = 0;
  /** The upstream ended the task itself: nothing to cancel there. */
  let ended = false;
  try {
    for (;;) {
      const state: JsonRecord = await client.request(
        { method: 'tasks/get', params: { taskId } },
        ANY_OBJECT,
        options,
      );
      if (state.status === 'completed')
        return { ...((state.result as JsonRecord | undefined) ?? { content: [] }) };
      if (state.status === 'failed' || state.status === 'cancelled') {
        ended = true;
        const error = (state.error ?? {}) as { code?: unknown; message?: unknown };
        const message =
          typeof error.message === 'string' ? error.message : `The upstream task was ${state.status}`;
        throw new AppError('upstream_error', message, {
          ...(typeof error.code === 'number' ? { upstreamCode: error.code } : {}),
        });
      }
      if (state.status === 'input_required') {
        if (++rounds > MAX_INPUT_ROUNDS)
          throw new AppError(
            'upstream_error',
            `The upstream task asked for input more than ${MAX_INPUT_ROUNDS} times`,
          );
        const inputResponses = await answer(state.inputRequests);
        await client.request(
          { method: 'tasks/update', params: { taskId, inputResponses } },
          ANY_OBJECT,
          options,
        );
        continue;
      }
      if (Date.now() >= deadline)
        throw new AppError(
          'upstream_timeout',
          `The upstream task did not finish within ${limits.timeoutMs} ms`,
        );
      interval = state.pollIntervalMs ?? interval;
      const ms = typeof interval === 'number' ? Math.min(Math.max(interval, MIN_POLL_MS), MAX_POLL_MS) : 500;
      await pause(ms, limits.signal);
    }
  } catch (error) {
    // Cancelled, timed out, or a question no client could answer: the upstream task is not left running.
    if (!ended) {
      void client
        .request({ method: 'tasks/cancel', params: { taskId } }, ANY_OBJECT, { timeout: 5_000 })
        .catch(() => undefined);
    }
    throw error;
  }
}
