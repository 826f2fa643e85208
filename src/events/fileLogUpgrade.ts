import { constants } from 'node:fs';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { placeBatch, type LogCursor } from './fileBatch.js';
import { saveIndexCheckpoint } from './fileIndexCheckpoint.js';
import { lockNewFile, type FileLock } from './fileLock.js';
import { LogIndex } from './fileLogIndex.js';
import { scanSegments } from './fileLogScan.js';
import { GENESIS_CHAIN, legacyEventJson, type DecodedRecord, type RecordAddress } from './fileRecord.js';
import { segmentFile } from './fileSegments.js';
import { syncDir } from './syncDir.js';

const UPGRADE_SUFFIX = '.upgrade';
const LEGACY_START = /^[0-9a-f]{8} \{"batchEnd":/;

/** True when segment 0 holds records of the single-file format (no chain, no back-links). */
export async function isLegacyLog(lock: FileLock): Promise<boolean> {
  const head = Buffer.alloc(32);
  const { bytesRead } = await lock.handle.read(head, 0, head.length, 0);
  return LEGACY_START.test(head.toString('latin1', 0, bytesRead));
}

/**
 * Rewrites a log of the single-file format into chained, back-linked segments, streaming (one
 * batch in memory), then renames the new segments into place, segment 0 last: until that rename
 * the old `events.log` is the log, and an interrupted upgrade is simply started again. Positions,
 * versions and event bodies are kept; the chain starts at position 1, so it protects the old
 * records only from the upgrade on (docs/event-store.md: the boundary is logged and kept in the index).
 * Returns the lock, now held on the new segment 0.
 */
export async function upgradeLegacyLog(
  dir: string,
  lock: FileLock,
  segmentBytes: number,
  logger?: Logger,
): Promise<FileLock> {
  await removeUpgradeLeftovers(dir);
  const old = new LogIndex();
  const index = new LogIndex();
  const files = new Map<number, FileHandle>();
  let cursor: LogCursor = { segment: 0, size: 0, chain: GENESIS_CHAIN };
  let batch: DecodedRecord[] = [];
  let buffered: { segment: number; offset: number; bytes: Buffer }[] = [];
  let bufferedBytes = 0;
  const write = async (pieces: typeof buffered): Promise<void> => {
    for (const piece of pieces) {
      let file = files.get(piece.segment);
      if (!file) {
        file = await open(
          segmentFile(dir, piece.segment) + UPGRADE_SUFFIX,
          constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC,
          0o600,
        );
        files.set(piece.segment, file);
      }
      await file.write(piece.bytes, 0, piece.bytes.length, piece.offset);
    }
  };
  const take = (): typeof buffered => {
    const pieces = buffered;
    buffered = [];
    bufferedBytes = 0;
    return pieces;
  };
  let writing = Promise.resolve();
  try {
    const scan = await scanSegments(dir, old, [0], {
      onEvent(record) {
        batch.push(record);
        if (record.event.position !== record.batchEnd) return;
        const first = batch[0] as DecodedRecord;
        const placed = placeBatch(
          cursor,
          batch.map(legacyEventJson),
          record.batchEnd,
          index.streams.get(first.event.streamId)?.last ?? null,
          segmentBytes,
        );
        batch.forEach((r, i) =>
          index.commit(
            r.event.position,
            r.event.streamId,
            r.event.version,
            placed.addresses[i] as RecordAddress,
            placed.chains[i],
          ),
        );
        buffered.push({ segment: placed.segment, offset: placed.offset, bytes: placed.bytes });
        bufferedBytes += placed.bytes.length;
        cursor = placed.next;
        batch = [];
        if (bufferedBytes > 4 * 1024 * 1024) {
          const pieces = take();
          writing = writing.then(() => write(pieces));
          writing.catch(() => undefined);
        }
      },
    });
    await writing;
    await write(take());
    if (!files.has(0)) files.set(0, await open(segmentFile(dir, 0) + UPGRADE_SUFFIX, 'w+', 0o600));
    for (const file of files.values()) await file.sync();
    const upgraded = await lockNewFile(dir, files.get(0) as FileHandle);
    files.delete(0);
    // Higher segments first: while segment 0 is still the old log, they are leftovers to be removed.
    for (const segment of [...files.keys()].sort((a, b) => b - a))
      await rename(segmentFile(dir, segment) + UPGRADE_SUFFIX, segmentFile(dir, segment));
    await syncDir(dir);
    await rename(segmentFile(dir, 0) + UPGRADE_SUFFIX, segmentFile(dir, 0));
    await syncDir(dir);
    await lock.release();
    await saveIndexCheckpoint(dir, index.toJSON());
    logger?.warn(
      'upgraded the event log to chained segments; the hash chain covers the old records from this upgrade on',
      {
        events: index.head,
        segments: cursor.segment + 1,
        chainAtUpgrade: index.chain,
        droppedTornEvents: scan.torn?.events ?? 0,
      },
    );
    return upgraded;
  } finally {
    await Promise.all([...files.values()].map((f) => f.close()));
  }
}

/** Segments next to a legacy log and `.upgrade` files can only come from an interrupted upgrade. */
async function removeUpgradeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith(UPGRADE_SUFFIX) || /^events-\d{6,}\.log$/.test(name)) await unlink(join(dir, name));
  }
}
