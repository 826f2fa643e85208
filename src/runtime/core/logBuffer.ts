/**
 * Bounded ring buffer of a server's stderr lines and supervisor notes. Redaction happens on push,
 * so nothing unredacted is ever held in memory for the GET endpoints to show.
 */
export const DEFAULT_LOG_LIMIT = 200;

export interface LogBufferOptions {
  limit?: number;
  redact?: (line: string) => string;
}

export class LogBuffer {
  private readonly limit: number;
  private readonly redact: ((line: string) => string) | undefined;
  private readonly slots: string[] = [];
  /** Index of the oldest line once the buffer is full. */
  private head = 0;

  constructor(options: LogBufferOptions = {}) {
    const limit = options.limit ?? DEFAULT_LOG_LIMIT;
    this.limit = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : DEFAULT_LOG_LIMIT;
    this.redact = options.redact;
  }

  push(line: string): void {
    const stored = this.redact ? this.redact(line) : line;
    if (this.slots.length < this.limit) {
      this.slots.push(stored);
      return;
    }
    this.slots[this.head] = stored;
    this.head = (this.head + 1) % this.limit;
  }

  /** Oldest first; a copy, so callers cannot disturb the ring. */
  lines(): string[] {
    return [...this.slots.slice(this.head), ...this.slots.slice(0, this.head)];
  }

  get size(): number {
    return this.slots.length;
  }

  clear(): void {
    this.slots.length = 0;
    this.head = 0;
  }
}
