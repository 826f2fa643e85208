import { BoundedUnit, type SkippedUnit } from '../../core/boundedUnit.js';

const LF = 0x0a;
const CR = 0x0d;

/** An SSE event over the limit, skipped as it streamed by: its size and its first and last bytes. */
export type SkippedEvent = SkippedUnit;

/**
 * Cuts a text/event-stream byte stream into events (an event ends at an empty line; CRLF, LF and
 * CR all end a line) and passes each on whole. An event longer than `limit` is never held: it is
 * counted and dropped as it streams by, only its edges kept, and `onSkipped` says what stands in
 * for it (bytes of a replacement event, or nothing) and whether the stream ends there.
 */
export class SseEventLimiter {
  private readonly event: BoundedUnit;
  /** Bytes in the current line so far (an empty line ends the event). */
  private lineBytes = 0;
  /** The previous chunk ended in CR: a leading LF is the rest of that line break. */
  private afterCr = false;
  private ended = false;

  constructor(
    private readonly limit: number,
    private readonly emit: (bytes: Uint8Array) => void,
    private readonly onSkipped: (event: SkippedEvent) => { replacement?: Uint8Array; end: boolean },
  ) {
    this.event = new BoundedUnit(limit);
  }

  /** False once a skipped event ended the stream: stop feeding it. */
  get open(): boolean {
    return !this.ended;
  }

  push(chunk: Uint8Array): void {
    let from = 0;
    let i = 0;
    const breaks = new BreakFinder(chunk);
    while (i < chunk.length && !this.ended) {
      const byte = chunk[i];
      if (byte === LF && this.afterCr) {
        this.afterCr = false;
        i += 1;
        continue;
      }
      this.afterCr = false;
      if (byte !== LF && byte !== CR) {
        // Skip to the next line break at native speed: data lines of big results are long.
        const next = breaks.next(i);
        this.lineBytes += next - i;
        i = next;
        continue;
      }
      this.afterCr = byte === CR;
      const emptyLine = this.lineBytes === 0;
      this.lineBytes = 0;
      i += 1;
      if (emptyLine) {
        this.event.take(chunk.subarray(from, i));
        from = i;
        this.endEvent();
      }
    }
    if (!this.ended) this.event.take(chunk.subarray(from));
  }

  /** The stream ended: what is left (an unterminated event) goes on as it is, unless it was skipped. */
  flush(): void {
    if (this.ended || this.event.skipped) return;
    const ended = this.event.end();
    if ('parts' in ended) for (const part of ended.parts) this.emit(part);
  }

  private endEvent(): void {
    const ended = this.event.end();
    if ('parts' in ended) {
      for (const part of ended.parts) this.emit(part);
      return;
    }
    const verdict = this.onSkipped(ended.skipped);
    if (verdict.replacement) this.emit(verdict.replacement);
    if (verdict.end) this.ended = true;
  }
}

/** Next CR or LF at or after a position; each byte is searched at most once per kind. */
class BreakFinder {
  private lf = -1;
  private cr = -1;

  constructor(private readonly chunk: Uint8Array) {}

  next(from: number): number {
    if (this.lf !== this.chunk.length && this.lf < from) this.lf = find(this.chunk, LF, from);
    if (this.cr !== this.chunk.length && this.cr < from) this.cr = find(this.chunk, CR, from);
    return Math.min(this.lf, this.cr);
  }
}

function find(chunk: Uint8Array, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}
