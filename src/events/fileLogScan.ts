import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { LogIndex } from './fileLogIndex.js';
import {
  chainHash,
  decodeRecord,
  GENESIS_CHAIN,
  type DecodedRecord,
  type RecordAddress,
} from './fileRecord.js';
import { readLines, segmentFile, type Line } from './fileSegments.js';

/** Damage that is not a crash artifact: refusing beats silently dropping committed events. */
export class LogCorruptionError extends Error {
  readonly segment: number;
  readonly offset: number;
  /** The first position that cannot be trusted. */
  readonly position: number;
  constructor(message: string, at: { segment: number; offset: number; position: number }) {
    super(message);
    this.name = 'LogCorruptionError';
    this.segment = at.segment;
    this.offset = at.offset;
    this.position = at.position;
  }
}

export interface TornTail {
  readonly segment: number;
  /** Where the last complete batch ends: the segment is cut back to this. */
  readonly offset: number;
  readonly bytes: number;
  /** Intact records of the incomplete batch. */
  readonly events: number;
}

export interface ScanOutcome {
  readonly recordsRead: number;
  readonly torn?: TornTail;
}

export interface ScanOptions {
  /** Each event of each complete batch, in order, once its batch is complete. */
  readonly onEvent?: (record: DecodedRecord, address: RecordAddress) => void;
}

interface Pending {
  readonly record: DecodedRecord;
  readonly address: RecordAddress;
}

/**
 * Reads the log from `index.end` to the end of the last of `segments` and commits every complete
 * batch into `index`, verifying checksums, sequence, batch framing, stream back-links and the hash
 * chain on the way. Memory: one read chunk plus one batch. What may follow the last complete batch
 * in the last segment is a torn write: an unterminated line, or intact records of a batch whose end
 * is missing (reported, not committed). Anything else wrong throws `LogCorruptionError`: a complete
 * record that fails its checksum is damage, not a torn write.
 */
export async function scanSegments(
  dir: string,
  index: LogIndex,
  segments: readonly number[],
  options: ScanOptions = {},
): Promise<ScanOutcome> {
  let recordsRead = 0;
  const last = segments.at(-1) ?? index.end.segment;
  for (let segment = index.end.segment; segment <= last; segment++) {
    const file = segmentFile(dir, segment);
    if (!segments.includes(segment)) {
      throw new LogCorruptionError(`Event log segment ${basename(file)} is missing (later segments exist)`, {
        segment,
        offset: 0,
        position: index.head + 1,
      });
    }
    const start = index.end.segment === segment ? index.end.size : 0;
    const handle = await open(file, 'r');
    let pending: Pending[] = [];
    let unterminated = false;
    let size: number;
    try {
      size = (await handle.stat()).size;
      await readLines(handle, segment, start, size, (line) => {
        recordsRead++;
        if (!line.complete) {
          unterminated = true;
          return;
        }
        pending = accept(index, pending, line, file, options);
      });
    } finally {
      await handle.close();
    }
    if (pending.length > 0 || unterminated) {
      const offset = index.end.segment === segment ? index.end.size : 0;
      if (segment !== last) {
        throw new LogCorruptionError(
          `Event log segment ${basename(file)} ends inside a batch at byte offset ${offset}, but later segments exist`,
          {
            segment,
            offset,
            position: index.head + 1,
          },
        );
      }
      return { recordsRead, torn: { segment, offset, bytes: size - offset, events: pending.length } };
    }
    if (index.end.segment < segment) index.end = { segment, size: 0 };
  }
  return { recordsRead };
}

function accept(
  index: LogIndex,
  pending: Pending[],
  line: Line,
  file: string,
  options: ScanOptions,
): Pending[] {
  const { address } = line;
  const where = `byte offset ${address.offset} of ${basename(file)}`;
  const expectedPosition = index.head + pending.length + 1;
  const at = { segment: address.segment, offset: address.offset, position: expectedPosition };
  const record = decodeRecord(line.bytes);
  if (!record) {
    throw new LogCorruptionError(
      `Event log is corrupt at ${where} (position ${expectedPosition}): the record fails its checksum or format; ` +
        'refusing to open rather than discard committed events (restore from a backup or repair by hand)',
      at,
    );
  }
  const { event, batchEnd } = record;
  const before = pending.at(-1);
  const tip = index.streams.get(event.streamId);
  const version = (before ? before.record.event.version : (tip?.version ?? 0)) + 1;
  const fitsBatch =
    !before || (before.record.batchEnd === batchEnd && before.record.event.streamId === event.streamId);
  if (
    event.position !== expectedPosition ||
    event.version !== version ||
    batchEnd < expectedPosition ||
    !fitsBatch
  ) {
    throw new LogCorruptionError(
      `Event log record at ${where} is out of sequence (position ${event.position}, expected ${expectedPosition}; ` +
        `version ${event.version} of stream ${event.streamId}, expected ${version}; batch end ${batchEnd})`,
      at,
    );
  }
  const previousChain = before ? (before.record.chain ?? GENESIS_CHAIN) : index.chain;
  if (record.chain === undefined) {
    if (previousChain !== GENESIS_CHAIN)
      throw new LogCorruptionError(
        `Event log record at ${where} (position ${expectedPosition}) has no hash chain after chained records`,
        at,
      );
  } else {
    if (chainHash(previousChain, record.body) !== record.chain) {
      throw new LogCorruptionError(
        `Event log hash chain is broken at position ${expectedPosition} (${where}): the record or one before it was ` +
          `changed`,
        at,
      );
    }
    const expectedPrev = before?.address ?? tip?.last ?? null;
    if (!sameAddress(record.prev ?? null, expectedPrev)) {
      throw new LogCorruptionError(
        `Event log record at ${where} (position ${expectedPosition}) does not link to its stream's previous record`,
        at,
      );
    }
  }
  const next = [...pending, { record, address }];
  if (event.position !== batchEnd) return next;
  for (const p of next) {
    index.commit(
      p.record.event.position,
      p.record.event.streamId,
      p.record.event.version,
      p.address,
      p.record.chain,
    );
    options.onEvent?.(p.record, p.address);
  }
  return [];
}

function sameAddress(a: RecordAddress | null, b: RecordAddress | null): boolean {
  if (a === null || b === null) return a === b;
  return a.segment === b.segment && a.offset === b.offset && a.length === b.length;
}
