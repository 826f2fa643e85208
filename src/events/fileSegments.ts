import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordAddress } from './fileRecord.js';

/**
 * The log is a sequence of segment files in one directory: segment 0 is `events.log` (the name the
 * single-file log always had, so an old log is simply segment 0), then `events-000001.log`, … A new
 * segment is started before a write would take the current one past its size limit; an append()
 * never spans two segments.
 */
export const LOG_FILE = 'events.log';
export const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;
const SEGMENT_NAME = /^events-(\d{6,})\.log$/;

export function segmentFile(dir: string, segment: number): string {
  return join(dir, segment === 0 ? LOG_FILE : `events-${String(segment).padStart(6, '0')}.log`);
}

/** Segment numbers present in `dir`, ascending; segment 0 counts only if its file exists. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) =>
    e.code === 'ENOENT' ? [] : Promise.reject(e),
  );
  const segments: number[] = [];
  for (const name of names) {
    if (name === LOG_FILE) segments.push(0);
    const match = SEGMENT_NAME.exec(name);
    if (match) segments.push(Number(match[1]));
  }
  return segments.sort((a, b) => a - b);
}

export interface Line {
  /** The line without its newline. */
  readonly bytes: Buffer;
  readonly address: RecordAddress;
  /** False for bytes at the end of the range that no newline closes. */
  readonly complete: boolean;
}

const CHUNK = 1024 * 1024;

/**
 * Reads `[start, end)` of one segment line by line in fixed-size chunks, so memory stays at one
 * chunk (plus the longest line) whatever the file's size. `onLine` returns false to stop early.
 */
export async function readLines(
  handle: FileHandle,
  segment: number,
  start: number,
  end: number,
  onLine: (line: Line) => boolean | void,
): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = start;
  for (let position = start; position < end;) {
    const size = Math.min(CHUNK, end - position);
    const chunk = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(chunk, 0, size, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data =
      carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let lineStart = 0;
    for (;;) {
      const newline = data.indexOf(0x0a, lineStart);
      if (newline === -1) break;
      const address = { segment, offset: carryStart + lineStart, length: newline - lineStart + 1 };
      if (onLine({ bytes: data.subarray(lineStart, newline), address, complete: true }) === false) return;
      lineStart = newline + 1;
    }
    // Copy, so the remainder does not pin the whole chunk.
    carry = Buffer.from(data.subarray(lineStart));
    carryStart += lineStart;
  }
  if (carry.length > 0)
    onLine({ bytes: carry, address: { segment, offset: carryStart, length: carry.length }, complete: false });
}

/** Reads one record's line at a known address (without its newline). */
export async function readAt(handle: FileHandle, address: RecordAddress): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(address.length);
  const { bytesRead } = await handle.read(bytes, 0, address.length, address.offset);
  return bytes.subarray(0, Math.max(0, bytesRead - 1));
}

/** Read handles of segments, opened on first use and kept until close(). */
export class SegmentReaders {
  private readonly handles = new Map<number, Promise<FileHandle>>();
  constructor(private readonly dir: string) {}

  get(segment: number): Promise<FileHandle> {
    let handle = this.handles.get(segment);
    if (!handle) {
      handle = open(segmentFile(this.dir, segment), 'r');
      handle.catch(() => this.handles.delete(segment));
      this.handles.set(segment, handle);
    }
    return handle;
  }

  /** Forgets a segment whose file was replaced or removed. */
  async drop(segment: number): Promise<void> {
    const handle = this.handles.get(segment);
    this.handles.delete(segment);
    await handle?.then((h) => h.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.handles.keys()];
    await Promise.all(all.map((s) => this.drop(s)));
  }
}
