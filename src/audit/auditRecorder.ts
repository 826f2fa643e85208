import type { Logger } from '../logger.js';
import {
  argumentSizes,
  type AuditCaller,
  type AuditKind,
  type AuditOutcome,
  type AuditRecord,
} from './auditRecord.js';
import type { AuditLog } from './fileAuditLog.js';

/** What the call path hands over: cheap to build (no serialization), finished off the path. */
export interface FinishedCall {
  readonly kind: AuditKind;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly username: string;
  readonly caller: AuditCaller;
  readonly via: 'rest' | 'mcp';
  readonly serverName: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly errorCode?: string | undefined;
  /** Measured (names and sizes) at flush time, never stored. */
  readonly args: Record<string, unknown>;
  readonly traceId?: string | undefined;
}

export interface AuditRecorderOptions {
  readonly log: AuditLog;
  readonly logger: Logger;
  readonly newId: () => string;
  readonly flushIntervalMs: number;
  /** A batch goes out at once when this many calls are waiting. */
  readonly maxBatch?: number;
  /** Calls waiting beyond this are dropped (and counted) instead of growing memory without bound. */
  readonly maxPending?: number;
  readonly onDropped?: (count: number) => void;
}

/**
 * Batches finished calls off the call path: `record` only pushes to an array; a timer writes the
 * batch (one write + one fdatasync) every `flushIntervalMs`. `close` writes whatever is waiting,
 * so a clean shutdown loses no record of a call that was answered.
 */
export class AuditRecorder {
  private pending: FinishedCall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: AuditRecorderOptions) {}

  record(call: FinishedCall): void {
    if (this.closed) return;
    if (this.pending.length >= (this.options.maxPending ?? 100_000)) {
      this.options.onDropped?.(1);
      return;
    }
    this.pending.push(call);
    if (this.pending.length >= (this.options.maxBatch ?? 2000)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  }

  /** Writes everything recorded so far; resolves when it is durable. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.options.log.close();
  }

  private async write(batch: FinishedCall[]): Promise<void> {
    try {
      await this.options.log.append(batch.map((c) => this.toRecord(c)));
    } catch (error) {
      // The calls were answered already; losing their records is logged loudly and counted.
      this.options.logger.error('audit records could not be written', { count: batch.length, error });
      this.options.onDropped?.(batch.length);
    }
  }

  private toRecord(c: FinishedCall): AuditRecord {
    return {
      id: this.options.newId(),
      kind: c.kind,
      at: c.startedAt.toISOString(),
      durationMs: Math.round(c.durationMs * 1000) / 1000,
      username: c.username,
      caller: c.caller,
      via: c.via,
      serverName: c.serverName,
      target: c.target,
      outcome: c.outcome,
      ...(c.errorCode === undefined ? {} : { errorCode: c.errorCode }),
      args: argumentSizes(c.args),
      ...(c.traceId === undefined ? {} : { traceId: c.traceId }),
    };
  }
}
