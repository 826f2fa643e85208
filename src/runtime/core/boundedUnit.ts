import { EDGE_BYTES } from './oversized.js';

/** A unit (a line, an SSE event) over the limit, skipped as it streamed by: its size and first and last bytes. */
export interface SkippedUnit {
  readonly size: number;
  readonly head: Uint8Array;
  readonly tail: Uint8Array;
}

/** How a unit ended: its pieces, in order, or (over the limit) only what was kept of it. */
export type EndedUnit = { readonly parts: Uint8Array[] } | { readonly skipped: SkippedUnit };

/**
 * Collects one unit of a byte stream (a stdout line, an SSE event) piece by piece, up to `limit`
 * bytes. A unit that grows past it is never held: from then on only its size and its first and last
 * EDGE_BYTES are kept (where a JSON-RPC message shows its id), so a reader fails the one message
 * instead of buffering it whole. The caller finds the unit's boundaries; this only keeps what it may.
 */
export class BoundedUnit {
  private parts: Uint8Array[] = [];
  private pending = 0;
  private skipping: { size: number; head: Uint8Array; tail: Uint8Array } | undefined;

  constructor(private readonly limit: number) {}

  /** Whether the current unit went over the limit. */
  get skipped(): boolean {
    return this.skipping !== undefined;
  }

  take(piece: Uint8Array): void {
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

  /** Ends the unit and starts the next one empty. */
  end(): EndedUnit {
    const skipped = this.skipping;
    const parts = this.parts;
    this.clear();
    return skipped ? { skipped } : { parts };
  }

  clear(): void {
    this.parts = [];
    this.pending = 0;
    this.skipping = undefined;
  }
}
