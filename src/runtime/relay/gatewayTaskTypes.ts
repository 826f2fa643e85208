import { AppError } from '../../errors.js';
import type { JsonRecord } from './clientRelay.js';

/** The types and small helpers of the gateway's task store (gatewayTasks.ts). */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** What a task ended with: the tool's result, or the JSON-RPC error the call would have answered. */
export interface TaskOutcome {
  readonly result?: JsonRecord;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown };
}

/** The era-neutral task record; each era's handlers name the fields as their wire wants. */
export interface TaskView {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly statusMessage?: string;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
}

/** What the running call can do with its task. */
export interface TaskRun {
  readonly signal: AbortSignal;
  /** Parks the task in `input_required` until tasks/update has answered every request. */
  ask(inputRequests: JsonRecord): Promise<JsonRecord>;
  /**
   * 2025-11-25: sends a server→client request on the stream of a waiting tasks/result (the only
   * stream a task's requests may use once tools/call was answered); `input_required` until there is one.
   */
  send(method: string, params: JsonRecord, signal: AbortSignal): Promise<JsonRecord>;
}

/** Sends a request to the client on the stream of one tasks/result request. */
export type Carrier = (method: string, params: JsonRecord, signal: AbortSignal) => Promise<JsonRecord>;

export interface TaskLimits {
  /** Tasks (running or kept for their result) one user may hold at once. */
  readonly maxPerUser: number;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly pollIntervalMs: number;
}

export const DEFAULT_LIMITS: TaskLimits = {
  maxPerUser: 32,
  defaultTtlMs: 10 * 60_000,
  maxTtlMs: 60 * 60_000,
  pollIntervalMs: 500,
};

export interface Pending {
  readonly requests: JsonRecord;
  readonly answers: JsonRecord;
  readonly resolve: (answers: JsonRecord) => void;
}

/** A question the task no longer waits for: a gateway error, so the call path maps it like a cancelled call. */
export const gaveUp = (): AppError =>
  new AppError('client_closed_request', 'The task ended while waiting for input');

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);
export const isTerminal = (status: TaskStatus): boolean => TERMINAL.has(status);

export function unanswered(pending: Pending): JsonRecord | undefined {
  const open = Object.entries(pending.requests).filter(([key]) => !(key in pending.answers));
  return open.length > 0 ? Object.fromEntries(open) : undefined;
}

export function asError(error: unknown): NonNullable<TaskOutcome['error']> {
  const code = (error as { code?: unknown } | null)?.code;
  const data = (error as { data?: unknown } | null)?.data;
  return {
    code: typeof code === 'number' ? code : -32603,
    message: error instanceof Error ? error.message : String(error),
    ...(data !== undefined ? { data } : {}),
  };
}
