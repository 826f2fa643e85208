import { randomUUID } from 'node:crypto';
import type { JsonRecord } from './clientRelay.js';

type Status = 'working' | 'completed' | 'failed' | 'cancelled';

interface Entry {
  task: JsonRecord & { taskId: string; status: Status };
  readonly abort: AbortController;
  readonly done: Promise<void>;
  result?: JsonRecord;
  error?: { code: number; message: string };
  expiry?: NodeJS.Timeout;
}

export class TaskError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const POLL_INTERVAL_MS = 500;
/** Kept after completion for the upstream to fetch; the spec lets the receiver bound this. */
const MAX_TTL_MS = 10 * 60_000;

/**
 * The gateway's side of the 2025-11-25 task-augmented server→client requests: an upstream asks for
 * elicitation or sampling "as a task", gets a task id at once, and polls tasks/get and tasks/result
 * while the gateway relays the plain request to the calling client. One store per upstream
 * connection: only that upstream can see or cancel its tasks.
 */
export class ClientTasks {
  private readonly tasks = new Map<string, Entry>();

  /** Starts `run` as a task and answers the CreateTaskResult. */
  create(ttl: unknown, run: (signal: AbortSignal) => Promise<JsonRecord>): JsonRecord {
    const now = new Date().toISOString();
    const keep = typeof ttl === 'number' && ttl > 0 ? Math.min(ttl, MAX_TTL_MS) : MAX_TTL_MS;
    const abort = new AbortController();
    const taskId = randomUUID();
    const task = {
      taskId,
      status: 'working' as Status,
      createdAt: now,
      lastUpdatedAt: now,
      ttl: keep,
      pollInterval: POLL_INTERVAL_MS,
    };
    const entry: Entry = {
      task,
      abort,
      done: run(abort.signal).then(
        (result) => this.finish(entry, 'completed', { result }),
        (error: unknown) => {
          const code =
            typeof (error as { code?: unknown }).code === 'number'
              ? (error as { code: number }).code
              : -32603;
          const message = error instanceof Error ? error.message : String(error);
          this.finish(entry, abort.signal.aborted ? 'cancelled' : 'failed', { error: { code, message } });
        },
      ),
    };
    this.tasks.set(taskId, entry);
    return { task: { ...task } };
  }

  /** tasks/get, tasks/result, tasks/list, tasks/cancel from the upstream. */
  async handle(method: string, params: JsonRecord): Promise<JsonRecord> {
    if (method === 'tasks/list') return { tasks: [...this.tasks.values()].map((e) => ({ ...e.task })) };
    const entry = this.tasks.get(String(params.taskId));
    if (!entry) throw new TaskError(-32602, `Unknown task: ${String(params.taskId)}`);
    if (method === 'tasks/get') return { ...entry.task };
    if (method === 'tasks/cancel') {
      if (entry.task.status !== 'working')
        throw new TaskError(-32602, `Task ${entry.task.taskId} is already ${entry.task.status}`);
      entry.abort.abort(new Error('cancelled by the server'));
      await entry.done;
      return { ...entry.task };
    }
    await entry.done;
    if (entry.error) throw new TaskError(entry.error.code, entry.error.message);
    const meta = {
      ...(entry.result?._meta as JsonRecord | undefined),
      [RELATED_TASK]: { taskId: entry.task.taskId },
    };
    return { ...entry.result, _meta: meta };
  }

  close(): void {
    for (const entry of this.tasks.values()) {
      clearTimeout(entry.expiry);
      entry.abort.abort(new Error('connection closed'));
    }
    this.tasks.clear();
  }

  private finish(entry: Entry, status: Status, outcome: Pick<Entry, 'result' | 'error'>): void {
    entry.task = { ...entry.task, status, lastUpdatedAt: new Date().toISOString() };
    if (outcome.error) entry.task.statusMessage = outcome.error.message;
    Object.assign(entry, outcome);
    entry.expiry = setTimeout(() => this.tasks.delete(entry.task.taskId), Number(entry.task.ttl));
    entry.expiry.unref();
  }
}
