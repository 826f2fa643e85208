import { BoundedUnit } from '../core/boundedUnit.js';
import { readEdgeId } from '../core/oversized.js';

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
  private readonly unit: BoundedUnit;

  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (line: OversizedLine) => void,
  ) {
    this.unit = new BoundedUnit(limit);
  }

  append(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      this.unit.take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  clear(): void {
    this.unit.clear();
  }

  private endLine(): void {
    const ended = this.unit.end();
    if ('skipped' in ended) {
      const { head, tail, size } = ended.skipped;
      const id = readEdgeId(Buffer.from(head).toString('utf8'), Buffer.from(tail).toString('utf8'));
      this.onOversized({ size, limit: this.limit, id });
      return;
    }
    const line = Buffer.concat(ended.parts).toString('utf8').replace(/\r$/, '');
    if (line.trim() !== '') this.onLine(line);
  }
}
