import { crc32 } from 'node:zlib';
import type { RecordedEvent } from './eventStore.js';
import { toRecordedEvent } from './recordEvents.js';

/**
 * The on-disk format of the file event store: one line per event,
 *
 *   <crc32 of json, 8 lowercase hex digits> <json>\n
 *
 * where json is `{"batchEnd":N,"position":…,"streamId":…,"version":…,"type":…,"data":…,"metadata":…}`.
 * `batchEnd` is the position of the last event of the append() the record belongs to, so a reader
 * knows whether a batch is complete: a batch whose last record never reached the disk is dropped whole.
 */

export class LogCorruptionError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

/** Encodes one append()'s events (JSON from `recordEvents`, consecutive positions) as log lines. */
export function encodeBatch(jsons: readonly string[], batchEnd: number): string {
  let text = '';
  for (const json of jsons) {
    // Splicing avoids serializing each event a second time; `json` always starts with `{"position"`.
    const record = `{"batchEnd":${batchEnd},${json.slice(1)}`;
    text += `${crc32(record).toString(16).padStart(8, '0')} ${record}\n`;
  }
  return text;
}

export interface ScanResult {
  /** Every event of every complete batch, in position order. */
  readonly events: RecordedEvent[];
  /** Bytes up to the end of the last complete batch; everything after it is a torn tail. */
  readonly validLength: number;
  /** Events that were intact on disk but belonged to a batch whose end is missing. */
  readonly droppedEvents: number;
}

/** Where a scan of a log's continuation starts: the last position and stream versions before `bytes`. */
export interface ScanStart {
  readonly position: number;
  readonly versionOf: (streamId: string) => number;
}

const NEWLINE = 0x0a;
const CRC_HEX = /^[0-9a-f]{8} $/;

/**
 * Verifies a whole log. A damaged or incomplete tail is reported via `validLength`; damage followed
 * by any intact record, or intact records out of sequence, throws `LogCorruptionError`: that is not
 * a crash artifact, and truncating it would silently destroy committed events.
 */
export function scanLog(bytes: Buffer, start: ScanStart = { position: 0, versionOf: () => 0 }): ScanResult {
  const events: RecordedEvent[] = [];
  const versions = new Map<string, number>();
  const versionOf = (streamId: string): number => versions.get(streamId) ?? start.versionOf(streamId);
  let pending: { start: number; end: number; streamId: string; events: RecordedEvent[] } | undefined;
  let validLength = 0;
  let firstBad: number | undefined;

  for (let offset = 0; offset < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, offset);
    const lineEnd = newline === -1 ? bytes.length : newline;
    const record = newline === -1 ? undefined : decodeLine(bytes.subarray(offset, lineEnd));
    if (!record) {
      firstBad ??= offset;
    } else if (firstBad !== undefined) {
      throw new LogCorruptionError(
        `Event log is corrupt at byte offset ${firstBad}, but an intact record follows at byte offset ${offset}; ` +
          'refusing to open rather than discard committed events (restore the file or repair it by hand)',
        firstBad,
      );
    } else {
      const { event, batchEnd } = record;
      const position = start.position + events.length + (pending?.events.length ?? 0) + 1;
      const version = (pending?.events.at(-1)?.version ?? versionOf(event.streamId)) + 1;
      const fitsBatch = !pending || (pending.end === batchEnd && pending.streamId === event.streamId);
      if (event.position !== position || event.version !== version || batchEnd < position || !fitsBatch) {
        throw new LogCorruptionError(
          `Event log record at byte offset ${offset} is out of sequence (position ${event.position}, expected ` +
            `${position}; version ${event.version} of stream ${event.streamId}, expected ${version}; batch end ${batchEnd})`,
          offset,
        );
      }
      pending ??= { start: offset, end: batchEnd, streamId: event.streamId, events: [] };
      pending.events.push(event);
      if (event.position === batchEnd) {
        for (const e of pending.events) events.push(e);
        versions.set(event.streamId, event.version);
        validLength = lineEnd + 1;
        pending = undefined;
      }
    }
    offset = lineEnd + 1;
  }
  return { events, validLength, droppedEvents: pending?.events.length ?? 0 };
}

function decodeLine(line: Buffer): { event: RecordedEvent; batchEnd: number } | undefined {
  if (line.length < 10 || !CRC_HEX.test(line.toString('latin1', 0, 9))) return undefined;
  const payload = line.subarray(9);
  if (crc32(payload) !== Number.parseInt(line.toString('latin1', 0, 8), 16)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const batchEnd = (parsed as { batchEnd?: unknown } | null)?.batchEnd;
  const event = toRecordedEvent(parsed);
  if (!event || typeof batchEnd !== 'number' || !Number.isInteger(batchEnd)) return undefined;
  return { event, batchEnd };
}
