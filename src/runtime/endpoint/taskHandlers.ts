import {
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type Server,
  type ServerContext,
  type StandardSchemaV1,
} from '@modelcontextprotocol/server';
import type { JsonRecord } from '../relay/clientRelay.js';
import { TaskError } from '../relay/clientTasks.js';
import type { GatewayTasks, TaskView } from '../relay/gatewayTasks.js';
import type { McpToolSource } from './sessionServer.js';
import type { CallTarget } from './toolCallBody.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** What a session server advertises: the 2025-11-25 slot (legacy) and the extension (2026-07-28). */
export const TASK_CAPABILITIES = {
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
  extensions: { [TASKS_EXTENSION]: {} },
} as const;

export type TaskEra = 'legacy' | 'modern';

/** Task methods carry no spec schema in SDK v2: params pass as objects and are checked here. */
const PARAMS: StandardSchemaV1<JsonRecord, JsonRecord> = {
  '~standard': {
    version: 1,
    vendor: 'mcp-api',
    validate: (value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? { value: value as JsonRecord }
        : { issues: [{ message: 'params must be an object' }] },
  },
};

const modernEnvelope = (ctx: ServerContext): JsonRecord | undefined =>
  ctx.mcpReq.envelope as JsonRecord | undefined;

/** A 2026-07-28 request that declared the tasks extension in its per-request capabilities. */
function declaresExtension(ctx: ServerContext): boolean {
  const capabilities = modernEnvelope(ctx)?.[CAPABILITIES_KEY] as { extensions?: JsonRecord } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/**
 * Whether this tools/call runs as a gateway task. 2025-11-25: the client asks (`params.task`) and
 * the tool must declare `execution.taskSupport` "optional" or "required" (else -32602). 2026-07-28:
 * server-directed, for a client that declared the extension on this request and a tool whose
 * listing declares task support; everything else runs plain (a task-only upstream tool is still run
 * as a task upstream and answered plainly, so no client is refused).
 */
export function taskEra(
  source: McpToolSource,
  username: string,
  target: CallTarget,
  requested: unknown,
  ctx: ServerContext,
): TaskEra | undefined {
  const modern = modernEnvelope(ctx) !== undefined;
  if (modern ? !declaresExtension(ctx) : requested === undefined) return undefined;
  const tool = source
    .servers(username)
    .find((s) => s.name === target.serverName)
    ?.tools.find((t) => t.name === target.toolName);
  const support = (tool?.execution as { taskSupport?: unknown } | undefined)?.taskSupport;
  if (support === 'optional' || support === 'required') return modern ? 'modern' : 'legacy';
  if (modern) return undefined;
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Tool ${target.name} cannot run as a task: it does not declare execution.taskSupport "optional" or "required"`,
  );
}

/** The 2025-11-25 Task object. */
export const legacyTask = (view: TaskView): JsonRecord => ({
  taskId: view.taskId,
  status: view.status,
  ...(view.statusMessage !== undefined ? { statusMessage: view.statusMessage } : {}),
  createdAt: view.createdAt,
  lastUpdatedAt: view.lastUpdatedAt,
  ttl: view.ttlMs,
  pollInterval: view.pollIntervalMs,
});

/** The 2026-07-28 Task object (flat, `ttlMs` / `pollIntervalMs`). */
const modernTask = (view: TaskView): JsonRecord => ({
  taskId: view.taskId,
  status: view.status,
  ...(view.statusMessage !== undefined ? { statusMessage: view.statusMessage } : {}),
  createdAt: view.createdAt,
  lastUpdatedAt: view.lastUpdatedAt,
  ttlMs: view.ttlMs,
  pollIntervalMs: view.pollIntervalMs,
});

/** What tools/call answers when it made a task. */
export function createdTask(era: TaskEra, view: TaskView): CallToolResult {
  // The SDK's 2025 seam wants `content` next to `task` (an empty list: there is no result yet).
  if (era === 'legacy') return { task: legacyTask(view), content: [] } as unknown as CallToolResult;
  return { resultType: 'task', ...modernTask(view) } as unknown as CallToolResult;
}

const asProtocolError = (error: unknown): unknown =>
  error instanceof TaskError ? new ProtocolError(error.code, error.message) : error;

/**
 * tasks/get, tasks/result, tasks/list, tasks/cancel (2025-11-25) and tasks/get, tasks/update,
 * tasks/cancel (2026-07-28) for one session server, on the endpoint's task store, always as the
 * gateway user of this session or request.
 */
export function registerTaskHandlers(server: Server, tasks: GatewayTasks, username: string): void {
  const handle = (
    method: string,
    legacy: ((params: JsonRecord, ctx: ServerContext) => Promise<JsonRecord>) | undefined,
    modern: ((params: JsonRecord, ctx: ServerContext) => JsonRecord | Promise<JsonRecord>) | undefined,
  ): void => {
    server.setRequestHandler(method, { params: PARAMS }, async (params, ctx) => {
      const era = modernEnvelope(ctx) === undefined ? legacy : modern;
      if (!era) throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `Method not found: ${method}`);
      if (era === modern && !declaresExtension(ctx))
        throw new MissingRequiredClientCapabilityError(
          { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
          `${method} needs the ${TASKS_EXTENSION} extension in the request's client capabilities`,
        );
      try {
        return await era(params, ctx);
      } catch (error) {
        throw asProtocolError(error);
      }
    });
  };
  handle(
    'tasks/get',
    async (p) => legacyTask(tasks.get(username, p.taskId).view),
    (p) => {
      const { view, outcome, inputRequests } = tasks.get(username, p.taskId);
      return {
        ...modernTask(view),
        ...(view.status === 'completed' && outcome?.result ? { result: outcome.result } : {}),
        ...(view.status === 'failed' && outcome?.error ? { error: outcome.error } : {}),
        ...(view.status === 'input_required' && inputRequests ? { inputRequests } : {}),
      };
    },
  );
  handle(
    'tasks/result',
    async (p, ctx) => {
      const related = { [RELATED_TASK]: { taskId: String(p.taskId) } };
      const carrier = async (
        method: string,
        params: JsonRecord,
        signal: AbortSignal,
      ): Promise<JsonRecord> => {
        const request = {
          method,
          params: { ...params, _meta: { ...(params._meta as JsonRecord), ...related } },
        };
        return (await ctx.mcpReq.send(request as never, { signal })) as JsonRecord;
      };
      const { view, outcome } = await tasks.result(username, p.taskId, ctx.mcpReq.signal, carrier);
      if (outcome.error)
        throw new ProtocolError(outcome.error.code, outcome.error.message, outcome.error.data);
      const result = outcome.result ?? { content: [] };
      const meta = { ...(result._meta as JsonRecord | undefined), [RELATED_TASK]: { taskId: view.taskId } };
      return { ...result, _meta: meta };
    },
    undefined,
  );
  handle(
    'tasks/list',
    async (p) => {
      const page = tasks.list(username, p.cursor);
      return {
        tasks: page.tasks.map(legacyTask),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
    undefined,
  );
  handle(
    'tasks/cancel',
    async (p) => {
      const { view, wasRunning } = await tasks.cancel(username, p.taskId);
      if (!wasRunning)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Task ${view.taskId} is already ${view.status}`,
        );
      return legacyTask(view);
    },
    // 2026-07-28: an empty acknowledgement, also for a task that had already ended.
    async (p) => (await tasks.cancel(username, p.taskId), {}),
  );
  // The SDK lifts a 2026-07-28 request's inputResponses out of params into the request context.
  handle('tasks/update', undefined, (p, ctx) => {
    tasks.update(username, p.taskId, ctx.mcpReq.inputResponses ?? p.inputResponses);
    return {};
  });
}

/** notifications/tasks/status to a legacy session (best effort: the client may poll instead). */
export function statusNotifier(server: Server, ctx: ServerContext): ((view: TaskView) => void) | undefined {
  if (ctx.sessionId === undefined) return undefined;
  return (view) => {
    const notification = { method: 'notifications/tasks/status', params: legacyTask(view) };
    void server.notification(notification as never).catch(() => undefined);
  };
}
