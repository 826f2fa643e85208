import { encodeRecord, type RecordAddress } from './fileRecord.js';

/** Where the next record goes and the chain hash it continues. */
export interface LogCursor {
  readonly segment: number;
  readonly size: number;
  readonly chain: string;
}

export interface PlacedBatch {
  readonly segment: number;
  readonly offset: number;
  readonly bytes: Buffer;
  /** One per record, in order. */
  readonly addresses: readonly RecordAddress[];
  readonly chains: readonly string[];
  readonly next: LogCursor;
}

/**
 * Encodes one append()'s events (JSON from `recordEvents`, one stream, consecutive positions) at
 * the cursor: each record links to the previous record of its stream (`prev`, the stream's last
 * address before the batch) and continues the chain. A batch that would take a non-empty segment
 * past `segmentBytes` starts the next segment instead; a batch is never split across segments.
 */
export function placeBatch(
  cursor: LogCursor,
  jsons: readonly string[],
  batchEnd: number,
  prev: RecordAddress | null,
  segmentBytes: number,
): PlacedBatch {
  const lines: string[] = [];
  const lengths: number[] = [];
  const chains: string[] = [];
  let chain = cursor.chain;
  // Back-links depend on offsets and offsets on the segment, so measure first with the current one.
  const measure = (segment: number, start: number): RecordAddress[] => {
    lines.length = 0;
    lengths.length = 0;
    chains.length = 0;
    chain = cursor.chain;
    const addresses: RecordAddress[] = [];
    let link = prev;
    let offset = start;
    for (const json of jsons) {
      const record = encodeRecord(json, batchEnd, link, chain);
      const length = Buffer.byteLength(record.line);
      const address = { segment, offset, length };
      lines.push(record.line);
      lengths.push(length);
      chains.push(record.chain);
      addresses.push(address);
      chain = record.chain;
      link = address;
      offset += length;
    }
    return addresses;
  };
  let segment = cursor.segment;
  let offset = cursor.size;
  let addresses = measure(segment, offset);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (offset > 0 && offset + total > segmentBytes) {
    segment++;
    offset = 0;
    addresses = measure(segment, offset);
  }
  const bytes = Buffer.from(lines.join(''), 'utf8');
  return {
    segment,
    offset,
    bytes,
    addresses,
    chains: chains.slice(),
    next: { segment, size: offset + bytes.length, chain },
  };
}
