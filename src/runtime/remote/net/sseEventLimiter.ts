import { EDGE_BYTES } from '../../core/oversized.js';

const LF = 0x0a;
const CR = 0x0d;

/** An SSE event over the limit, skipped as it streamed by: its size and its first and last bytes. */
export interface SkippedEvent {
  readonly size: number;
  readonly head: Uint8Array;
  readonly tail: Uint8Array;
}

/**
 * Cuts a text/event-stream byte stream into events (an event ends at an empty line; CRLF, LF and
 * CR all end a line) and passes each on whole. An event longer than `limit` is never held: it is
 * counted and dropped as it streams by, only its edges kept, and `onSkipped` says what stands in
 * for it (bytes of a replacement event, or nothing) and whether the stream ends there.
 */
export class SseEventLimiter {
  private parts: Uint8Array[] = [];
  private pending = 0;
  private skipping: { size: number; head: Uint8Array; tail: Uint8Array } | undefined;
  /** Bytes in the current line so far (an empty line ends the event). */
  private lineBytes = 0;
  /** The previous chunk ended in CR: a leading LF is the rest of that line break. */
  private afterCr = false;
  private ended = false;

  constructor(
    private readonly limit: number,
    private readonly emit: (bytes: Uint8Array) => void,
    private readonly onSkipped: (event: SkippedEvent) => { replacement?: Uint8Array; end: boolean },
  ) {}

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
        this.take(chunk.subarray(from, i));
        from = i;
        this.endEvent();
      }
    }
    if (!this.ended) this.take(chunk.subarray(from));
  }

  /** The stream ended: what is left (an unterminated event) goes on as it is, unless it was skipped. */
  flush(): void {
    if (this.ended || this.skipping) return;
    for (const part of this.parts) this.emit(part);
    this.parts = [];
  }

  private take(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (!this.skipping && this.pending + piece.length <= this.limit) {
      this.parts.push(piece);
      this.pending += piece.length;
      return;
    }
    if (!this.skipping) {
      const sofar = Buffer.concat(this.parts);
      this.skipping = {
        size: sofar.length,
        head: sofar.subarray(0, EDGE_BYTES),
        tail: sofar.subarray(-EDGE_BYTES),
      };
      this.parts = [];
      this.pending = 0;
    }
    const s = this.skipping;
    if (s.head.length < EDGE_BYTES)
      s.head = Buffer.concat([s.head, piece.subarray(0, EDGE_BYTES - s.head.length)]);
    s.tail = Buffer.concat([s.tail, piece.subarray(-EDGE_BYTES)]).subarray(-EDGE_BYTES);
    s.size += piece.length;
  }

  private endEvent(): void {
    const skipped = this.skipping;
    if (!skipped) {
      for (const part of this.parts) this.emit(part);
      this.parts = [];
      this.pending = 0;
      return;
    }
    this.skipping = undefined;
    const verdict = this.onSkipped(skipped);
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
