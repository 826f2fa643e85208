import { AppError } from '../errors.js';
import type { RecordedEvent } from './eventStore.js';
import type { LogEnd, LogIndex, SparseEntry } from './fileLogIndex.js';
import { decodeRecord, type RecordAddress } from './fileRecord.js';
import { readAt, readLines, type SegmentReaders } from './fileSegments.js';

/**
 * Reads of committed events straight from the segment files, shared by the store and the
 * read-only CLI view. Nothing here holds more than the events asked for.
 */

function damaged(where: RecordAddress, what: string): AppError {
  return new AppError(
    'store_unavailable',
    `Event log record at byte offset ${where.offset} of segment ${where.segment} ${what}; run mcp-api verify`,
  );
}

/** Where the last range read stopped: paging through the log continues there instead of at a sparse entry. */
export interface ReadHint {
  next?: SparseEntry;
}

/** Events with position >= from, at most `limit`, up to the committed `end`. */
export async function readRange(
  index: LogIndex,
  readers: SegmentReaders,
  from: number,
  limit: number | undefined,
  hint: ReadHint = {},
): Promise<RecordedEvent[]> {
  if (Number.isNaN(from)) throw new TypeError('fromPosition must be a number');
  const first = Math.max(1, Math.ceil(from));
  const max = limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(limit));
  const end: LogEnd = index.end;
  const head = index.head;
  const events: RecordedEvent[] = [];
  if (first > head || max === 0) return events;
  const located = index.locate(first);
  const start =
    hint.next && hint.next.position <= first && hint.next.position > located.position ? hint.next : located;
  for (let segment = start.segment; segment <= end.segment && events.length < max; segment++) {
    const handle = await readers.get(segment);
    const stop = segment === end.segment ? end.size : (await handle.stat()).size;
    let done = false;
    await readLines(handle, segment, segment === start.segment ? start.offset : 0, stop, (line) => {
      const record = line.complete ? decodeRecord(line.bytes) : undefined;
      if (!record) throw damaged(line.address, 'no longer reads back');
      const { event } = record;
      if (event.position < first) return true;
      events.push(event);
      hint.next = {
        position: event.position + 1,
        segment: line.address.segment,
        offset: line.address.offset + line.address.length,
      };
      done = events.length >= max || event.position >= head;
      return !done;
    });
    if (done) break;
  }
  return events;
}

/** One stream, newest first from its last record along the `prev` links, returned oldest first. */
export async function readStreamBack(
  readers: SegmentReaders,
  streamId: string,
  last: RecordAddress,
  version: number,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let at: RecordAddress | null | undefined = last; at;) {
    const record = decodeRecord(await readAt(await readers.get(at.segment), at));
    if (!record || record.event.streamId !== streamId || record.event.version !== version - events.length) {
      throw damaged(at, `is not version ${version - events.length} of stream ${streamId}`);
    }
    events.push(record.event);
    at = record.prev;
    if (at === undefined && events.length < version)
      throw damaged(last, 'belongs to a stream with no back-links (an old log format)');
  }
  if (events.length !== version)
    throw damaged(last, `ends stream ${streamId} after ${events.length} of ${version} events`);
  return events.reverse();
}

/**
 * Recently read streams, so a command re-reading its stream does not walk the disk again; bounded by
 * the events it holds. Committed events are appended to cached streams as they are written.
 */
export class StreamCache {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private size = 0;
  constructor(private readonly maxEvents: number) {}

  get(streamId: string): RecordedEvent[] | undefined {
    const events = this.streams.get(streamId);
    if (!events) return undefined;
    this.streams.delete(streamId);
    this.streams.set(streamId, events);
    return events.slice();
  }

  set(streamId: string, events: readonly RecordedEvent[]): void {
    this.delete(streamId);
    if (events.length > this.maxEvents / 4) return;
    this.streams.set(streamId, events.slice());
    this.size += events.length;
    for (const [id, cached] of this.streams) {
      if (this.size <= this.maxEvents) break;
      this.streams.delete(id);
      this.size -= cached.length;
    }
  }

  /** A committed event: extends its stream if cached (events arrive in version order). */
  add(event: RecordedEvent): void {
    const cached = this.streams.get(event.streamId);
    if (!cached) return;
    if (cached.at(-1)?.version !== event.version - 1) {
      this.delete(event.streamId);
      return;
    }
    cached.push(event);
    this.size++;
  }

  delete(streamId: string): void {
    const cached = this.streams.get(streamId);
    if (cached) this.size -= cached.length;
    this.streams.delete(streamId);
  }

  clear(): void {
    this.streams.clear();
    this.size = 0;
  }
}
