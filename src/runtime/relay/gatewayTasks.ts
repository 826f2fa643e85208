import { randomUUID } from 'node:crypto';
import type { JsonRecord } from './clientRelay.js';
import {
  asError,
  DEFAULT_LIMITS,
  gaveUp,
  isTerminal,
  unanswered,
  type Carrier,
  type Pending,
  type TaskLimits,
  type TaskOutcome,
  type TaskRun,
  type TaskStatus,
  type TaskView,
} from './gatewayTaskTypes.js';

export type { Carrier, TaskLimits, TaskOutcome, TaskRun, TaskStatus, TaskView } from './gatewayTaskTypes.js';
export { isTerminal } from './gatewayTaskTypes.js';
import { TaskError } from './clientTasks.js';

interface Entry {
  readonly username: string;
  view: TaskView;
  readonly abort: AbortController;
  outcome?: TaskOutcome;
  pending?: Pending;
  /** Resolves when the task reaches a terminal status (a cancel does not wait for the call to unwind). */
  readonly ended: Promise<void>;
  readonly end: () => void;
  readonly expiry: NodeJS.Timeout;
  readonly onStatus: ((view: TaskView) => void) | undefined;
  /** tasks/result requests waiting now (2025-11-25): the task's requests to the client ride on them. */
  readonly carriers: Carrier[];
  readonly carrierWaiters: (() => void)[];
}

/**
 * Tool calls that /mcp clients asked to run as tasks, in this instance's memory. A task belongs to
 * the gateway user who created it: every lookup takes the username, and another user's task id
 * answers exactly like an id that never existed. Bounded: at most `maxPerUser` tasks per user (the
 * oldest finished one makes room; with all of them running a new one is refused), and each task is
 * dropped `ttlMs` after its creation (a call still running then is cancelled). Timers are unref'd.
 */
export class GatewayTasks {
  private readonly tasks = new Map<string, Entry>();
  private readonly limits: TaskLimits;

  constructor(
    limits: Partial<TaskLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Starts `run` as a task of `username` and answers its first view. */
  create(
    username: string,
    requestedTtlMs: unknown,
    run: (task: TaskRun) => Promise<TaskOutcome>,
    onStatus?: (view: TaskView) => void,
  ): TaskView {
    this.makeRoom(username);
    const stamp = new Date(this.now()).toISOString();
    const ttlMs =
      typeof requestedTtlMs === 'number' && requestedTtlMs > 0
        ? Math.min(Math.floor(requestedTtlMs), this.limits.maxTtlMs)
        : this.limits.defaultTtlMs;
    const taskId = randomUUID();
    const abort = new AbortController();
    const expiry = setTimeout(() => this.drop(taskId, 'the task expired'), ttlMs);
    expiry.unref();
    const view: TaskView = {
      taskId,
      status: 'working',
      createdAt: stamp,
      lastUpdatedAt: stamp,
      ttlMs,
      pollIntervalMs: this.limits.pollIntervalMs,
    };
    let end = (): void => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const entry: Entry = {
      username,
      view,
      abort,
      ended,
      end,
      expiry,
      onStatus,
      carriers: [],
      carrierWaiters: [],
    };
    this.tasks.set(taskId, entry);
    const ask = (requests: JsonRecord): Promise<JsonRecord> =>
      new Promise<JsonRecord>((resolve, reject) => {
        if (abort.signal.aborted) return reject(gaveUp());
        entry.pending = { requests, answers: {}, resolve };
        this.move(entry, 'input_required');
        abort.signal.addEventListener('abort', () => reject(gaveUp()), { once: true });
      });
    const send = (method: string, params: JsonRecord, signal: AbortSignal): Promise<JsonRecord> =>
      this.send(entry, method, params, signal);
    void run({ signal: abort.signal, ask, send }).then(
      (outcome) => this.settle(entry, outcome),
      (error: unknown) => this.settle(entry, { error: asError(error) }),
    );
    return { ...view };
  }

  /** The task as it is now, with its outcome once it has one. */
  get(
    username: string,
    taskId: unknown,
  ): { view: TaskView; outcome?: TaskOutcome; inputRequests?: JsonRecord } {
    const entry = this.entry(username, taskId);
    const open = entry.pending ? unanswered(entry.pending) : undefined;
    return {
      view: { ...entry.view },
      ...(entry.outcome ? { outcome: entry.outcome } : {}),
      ...(open ? { inputRequests: open } : {}),
    };
  }

  /** Waits until the task ends (2025-11-25 tasks/result); the caller's signal stops the wait only. */
  async result(
    username: string,
    taskId: unknown,
    signal: AbortSignal,
    carrier?: Carrier,
  ): Promise<{ view: TaskView; outcome: TaskOutcome }> {
    const entry = this.entry(username, taskId);
    if (carrier) {
      entry.carriers.push(carrier);
      for (const wake of entry.carrierWaiters.splice(0)) wake();
    }
    await new Promise<void>((resolve, reject) => {
      const stop = (): void => reject(new TaskError(-32603, 'The request was cancelled'));
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      void entry.ended.then(() => {
        signal.removeEventListener('abort', stop);
        resolve();
      });
    }).finally(() => {
      if (carrier) entry.carriers.splice(entry.carriers.indexOf(carrier), 1);
    });
    return { view: { ...entry.view }, outcome: entry.outcome ?? {} };
  }

  private async send(
    entry: Entry,
    method: string,
    params: JsonRecord,
    signal: AbortSignal,
  ): Promise<JsonRecord> {
    for (;;) {
      const carrier = entry.carriers[entry.carriers.length - 1];
      if (carrier) {
        if (entry.view.status === 'input_required') this.move(entry, 'working');
        return await carrier(method, params, signal);
      }
      // The 2025-11-25 signal for "call tasks/result": the client has a question waiting.
      if (entry.view.status === 'working') this.move(entry, 'input_required');
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(gaveUp());
        signal.addEventListener('abort', () => reject(gaveUp()), { once: true });
        entry.carrierWaiters.push(resolve);
      });
    }
  }

  /** This user's tasks, oldest first, a page at a time (the cursor is the last task id seen). */
  list(username: string, cursor: unknown, pageSize = 50): { tasks: TaskView[]; nextCursor?: string } {
    const mine = [...this.tasks.values()].filter((e) => e.username === username).map((e) => e.view);
    let start = 0;
    if (cursor !== undefined) {
      const at = mine.findIndex((v) => v.taskId === cursor);
      if (at < 0) throw new TaskError(-32602, 'Invalid cursor');
      start = at + 1;
    }
    const page = mine.slice(start, start + pageSize).map((v) => ({ ...v }));
    const last = page[page.length - 1];
    return start + pageSize < mine.length && last
      ? { tasks: page, nextCursor: last.taskId }
      : { tasks: page };
  }

  /** Cancels a running task (the call is aborted, upstream too); `false` if it had already ended. */
  async cancel(username: string, taskId: unknown): Promise<{ view: TaskView; wasRunning: boolean }> {
    const entry = this.entry(username, taskId);
    if (isTerminal(entry.view.status)) return { view: { ...entry.view }, wasRunning: false };
    entry.abort.abort(new TaskError(-32603, 'The task was cancelled'));
    this.settle(entry, { error: { code: -32603, message: 'The task was cancelled' } }, 'cancelled');
    return { view: { ...entry.view }, wasRunning: true };
  }

  /** Answers (some of) the input requests of a task in `input_required` (2026-07-28 tasks/update). */
  update(username: string, taskId: unknown, inputResponses: unknown): void {
    const entry = this.entry(username, taskId);
    if (!inputResponses || typeof inputResponses !== 'object' || Array.isArray(inputResponses))
      throw new TaskError(-32602, 'inputResponses must be an object keyed by the input request ids');
    const pending = entry.pending;
    if (!pending) throw new TaskError(-32602, `Task ${entry.view.taskId} is not waiting for input`);
    for (const [key, value] of Object.entries(inputResponses as JsonRecord))
      if (key in pending.requests) pending.answers[key] = value;
    if (unanswered(pending)) return;
    entry.pending = undefined;
    this.move(entry, 'working');
    pending.resolve(pending.answers);
  }

  close(): void {
    for (const entry of this.tasks.values()) {
      clearTimeout(entry.expiry);
      entry.abort.abort(new TaskError(-32603, 'The gateway is shutting down'));
    }
    this.tasks.clear();
  }

  /** Unknown, expired and other users' ids are indistinguishable. */
  private entry(username: string, taskId: unknown): Entry {
    if (typeof taskId !== 'string' || taskId === '') throw new TaskError(-32602, 'taskId is required');
    const entry = this.tasks.get(taskId);
    if (!entry || entry.username !== username) throw new TaskError(-32602, `Unknown task: ${taskId}`);
    return entry;
  }

  private makeRoom(username: string): void {
    const mine = [...this.tasks.values()].filter((e) => e.username === username);
    if (mine.length < this.limits.maxPerUser) return;
    const oldestDone = mine.find((e) => isTerminal(e.view.status));
    if (!oldestDone)
      throw new TaskError(
        -32600,
        `You already have ${this.limits.maxPerUser} tasks running; wait for one to finish or cancel one`,
      );
    this.drop(oldestDone.view.taskId, 'replaced by a newer task');
  }

  private drop(taskId: string, why: string): void {
    const entry = this.tasks.get(taskId);
    if (!entry) return;
    clearTimeout(entry.expiry);
    this.tasks.delete(taskId);
    if (!isTerminal(entry.view.status)) entry.abort.abort(new TaskError(-32603, why));
    entry.end();
  }

  private settle(entry: Entry, outcome: TaskOutcome, status?: TaskStatus): void {
    if (isTerminal(entry.view.status)) return;
    entry.pending = undefined;
    entry.outcome = outcome;
    const ended = status ?? (outcome.error ? 'failed' : 'completed');
    this.move(entry, ended, outcome.error?.message);
    entry.end();
  }

  private move(entry: Entry, status: TaskStatus, statusMessage?: string): void {
    const { statusMessage: _previous, ...rest } = entry.view;
    entry.view = {
      ...rest,
      status,
      lastUpdatedAt: new Date(this.now()).toISOString(),
      ...(statusMessage !== undefined ? { statusMessage } : {}),
    };
    try {
      entry.onStatus?.({ ...entry.view });
    } catch {
      // A client that cannot be told any more still polls.
    }
  }
}
