/**
 * Bounded ring buffer of a server's stderr lines and supervisor notes. Redaction happens on push,
 * so nothing unredacted is ever held in memory for the GET endpoints to show.
 */
import { randomUUID } from 'node:crypto';

export const DEFAULT_LOG_LIMIT = 200;

/** A position in one buffer's lines: the line numbered `total` is the newest; the held lines end there. */
export interface LogCursor {
  readonly epoch: string;
  readonly total: number;
}

export interface LogBufferOptions {
  limit?: number;
  redact?: (line: string) => string;
}

export class LogBuffer {
  /**
   * Names this buffer (one per server generation) in the cursor log followers resume from, so a
   * cursor taken before a restart is never read as a position in the new generation's lines.
   */
  readonly epoch = randomUUID().slice(0, 8);
  private readonly limit: number;
  /** Lines ever pushed: with the epoch, the cursor of the newest line. */
  private pushed = 0;
  private readonly redact: ((line: string) => string) | undefined;
  private readonly slots: string[] = [];
  /** `lines()` as last made; dropped by every push. */
  private frozen: readonly string[] | undefined;
  /** Index of the oldest line once the buffer is full. */
  private head = 0;

  constructor(options: LogBufferOptions = {}) {
    const limit = options.limit ?? DEFAULT_LOG_LIMIT;
    this.limit = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : DEFAULT_LOG_LIMIT;
    this.redact = options.redact;
  }

  push(line: string): void {
    const stored = this.redact ? this.redact(line) : line;
    this.pushed++;
    this.frozen = undefined;
    if (this.slots.length < this.limit) {
      this.slots.push(stored);
      return;
    }
    this.slots[this.head] = stored;
    this.head = (this.head + 1) % this.limit;
  }

  /**
   * Oldest first; frozen, so callers cannot disturb the ring, and made once per change: every snapshot of
   * a server (several per tool call) reads it, and a chatty server's buffer holds thousands of lines.
   */
  lines(): readonly string[] {
    this.frozen ??= Object.freeze([...this.slots.slice(this.head), ...this.slots.slice(0, this.head)]);
    return this.frozen;
  }

  /** Where a follower is: the newest line's number in this buffer (lines ever pushed). */
  cursor(): LogCursor {
    return { epoch: this.epoch, total: this.pushed };
  }

  get size(): number {
    return this.slots.length;
  }

  clear(): void {
    this.slots.length = 0;
    this.head = 0;
  }
}
