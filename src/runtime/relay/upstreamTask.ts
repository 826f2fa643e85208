import type { Client, StandardSchemaV1 } from '@modelcontextprotocol/client';
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
