import { EDGE_BYTES, readEdgeId } from '../core/oversized.js';

/** A stdout line too long to be a message we accept: skipped, never buffered whole. */
export interface OversizedLine {
  readonly size: number;
  readonly limit: number;
  /** The JSON-RPC id it carried, when its first or last bytes show it (where SDKs put `id`). */
  readonly id?: string | number | undefined;
}

/**
 * Splits a child's stdout into lines (one JSON-RPC message each). A line longer than `limit` is
 * counted and dropped as it streams by, keeping only its edges to find the request it answers:
 * one oversized result then fails one call instead of the whole connection.
 */
export class MessageLines {
  private parts: Buffer[] = [];
  private pending = 0;
  private skipping: { size: number; head: Buffer; tail: Buffer } | undefined;

  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (line: OversizedLine) => void,
  ) {}

  append(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      this.take(piece);
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  clear(): void {
    this.parts = [];
    this.pending = 0;
    this.skipping = undefined;
  }

  private take(piece: Buffer): void {
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

  private endLine(): void {
    const skipped = this.skipping;
    if (skipped) {
      this.skipping = undefined;
      const id = readEdgeId(skipped.head.toString('utf8'), skipped.tail.toString('utf8'));
      this.onOversized({ size: skipped.size, limit: this.limit, id });
      return;
    }
    const line = Buffer.concat(this.parts).toString('utf8').replace(/\r$/, '');
    this.parts = [];
    this.pending = 0;
    if (line.trim() !== '') this.onLine(line);
  }
}
