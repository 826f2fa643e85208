import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkpointProblem, loadIndexCheckpoint, saveIndexCheckpoint } from './fileIndexCheckpoint.js';
import { acquireLogLock, type FileLock } from './fileLock.js';
import { LogIndex } from './fileLogIndex.js';
import { scanSegments } from './fileLogScan.js';
import { isLegacyLog, upgradeLegacyLog } from './fileLogUpgrade.js';
import { DEFAULT_SEGMENT_BYTES, listSegments, segmentFile } from './fileSegments.js';
import { createFileStore, type FileEventStore } from './fileStore.js';
import { syncDir } from './syncDir.js';

export { LOG_FILE } from './fileSegments.js';
export { LOCK_FILE } from './fileLock.js';
export type { FileEventStore, FileStoreStats } from './fileStore.js';

/** The environment variable (and docs/event-store.md entry) that accepts a log shorter than its checkpoint. */
export const ACCEPT_SHORTER_LOG_ENV = 'EVENT_LOG_ACCEPT_SHORTER';

export interface FileEventStoreOptions {
  readonly dir: string;
  readonly logger?: Logger;
  /** Start a new segment before one would grow past this (default 256 MiB). */
  readonly segmentBytes?: number;
  /** Save the index checkpoint after this many events (default 50,000) … */
  readonly checkpointEvents?: number;
  /** … or this long after a change (default 60 s), and always on close. */
  readonly checkpointIntervalMs?: number;
  /** Open a log shorter than its checkpoint says, accepting that the missing events are lost. */
  readonly acceptShorterLog?: boolean;
  /** Warn each time the log grows past another multiple of this (default 1 GiB). */
  readonly warnLogBytes?: number;
}

/**
 * The embedded event store: an append-only, checksummed, hash-chained log in segment files under
 * `dir` (format in fileRecord.ts), one writer at a time (fileLock.ts). Opening loads the index
 * checkpoint and verifies only what was written after it, truncates a torn tail, and refuses a log
 * that is damaged or shorter than its checkpoint.
 */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<FileEventStore> {
  const { dir, logger } = options;
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let lock: FileLock = await acquireLogLock(dir);
  try {
    await removeTempFiles(dir, logger);
    if (await isLegacyLog(lock)) lock = await upgradeLegacyLog(dir, lock, segmentBytes, logger);
    const { index, recordsRead } = await loadIndex(dir, options);
    await syncDir(dir);
    return await createFileStore({
      ...options,
      dir,
      segmentBytes,
      lock,
      index,
      recordsReadAtOpen: recordsRead,
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function loadIndex(
  dir: string,
  options: FileEventStoreOptions,
): Promise<{ index: LogIndex; recordsRead: number }> {
  const { logger } = options;
  const segments = await listSegments(dir);
  const loaded = await loadIndexCheckpoint(dir);
  let index = new LogIndex();
  let claimed: LogIndex | undefined;
  if (loaded && 'unreadable' in loaded)
    logger?.warn('ignoring the event index checkpoint; scanning the whole log', {
      reason: loaded.unreadable,
    });
  if (loaded && 'index' in loaded) {
    claimed = loaded.index;
    const problem = await checkpointProblem(dir, claimed, segments);
    if (problem === undefined) index = claimed;
    else
      logger?.warn('the event index checkpoint does not match the log; scanning the whole log', {
        problem,
        checkpointHead: claimed.head,
      });
  }
  const scan = await scanSegments(dir, index, segments);
  if (claimed && index.head < claimed.head) {
    const message =
      `Event log ${dir} is shorter than its checkpoint says: ${index.head} events, the checkpoint ` +
      `(events.index.json) ` +
      `recorded ${claimed.head}. Events were lost or rolled back (a restored backup, a truncated or deleted segment).`;
    if (!options.acceptShorterLog) {
      throw new AppError(
        'store_unavailable',
        `${message} Refusing to start; to accept the loss and start with what the log has, set ` +
          `${ACCEPT_SHORTER_LOG_ENV}=true`,
      );
    }
    logger?.warn(`${message} Starting anyway (${ACCEPT_SHORTER_LOG_ENV})`, {
      head: index.head,
      checkpointHead: claimed.head,
    });
  }
  if (scan.torn) {
    const { torn } = scan;
    const handle = await open(segmentFile(dir, torn.segment), 'r+');
    try {
      await handle.truncate(torn.offset);
      await handle.sync();
    } finally {
      await handle.close();
    }
    logger?.warn('event log had a torn tail; truncated it', {
      path: segmentFile(dir, torn.segment),
      droppedBytes: torn.bytes,
      droppedEvents: torn.events,
      offset: torn.offset,
    });
    index.end = { segment: torn.segment, size: torn.offset };
  }
  // A checkpoint that disagreed with the log must not be met again at the next start.
  if (claimed && index !== claimed) await saveIndexCheckpoint(dir, index.toJSON());
  return { index, recordsRead: scan.recordsRead };
}

/** Temp files left by a crash or a full disk (index checkpoints, probes); they must not keep eating space. */
async function removeTempFiles(dir: string, logger?: Logger): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.tmp')) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    logger?.info('removed a leftover temp file', { path: join(dir, name) });
  }
}
