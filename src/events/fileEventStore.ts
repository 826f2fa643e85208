import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { AppendResult, EventStore, RecordedEvent } from './eventStore.js';
import { acquireFileLock, type FileLock } from './fileLock.js';
import { encodeBatch, scanLog } from './fileLog.js';
import { createGroupCommit } from './groupCommit.js';
import { assertExpectedVersion, assertStreamId, recordEvents } from './recordEvents.js';
import { createStreamIndex, type StreamIndex } from './streamIndex.js';
import { syncDir } from './syncDir.js';

export const LOG_FILE = 'events.log';
export const LOCK_FILE = 'events.lock';

export interface FileEventStoreOptions {
  readonly dir: string;
  readonly logger?: Logger;
}

/**
 * The embedded event store: an append-only, checksummed log (format in fileLog.ts) in `dir`, fully
 * indexed in memory. Opening verifies the whole log, truncates a torn tail and refuses a log that is
 * damaged in the middle.
 */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<EventStore> {
  const { dir, logger } = options;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(join(dir, LOCK_FILE), logger);
  try {
    const path = join(dir, LOG_FILE);
    const index = await loadLog(path, logger);
    const fd = await open(path, 'a', 0o600);
    await syncDir(dir);
    return createFileEventStore(fd, lock, index, logger);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function loadLog(path: string, logger: Logger | undefined): Promise<StreamIndex> {
  const bytes = await readFile(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  });
  const scan = scanLog(bytes);
  if (scan.validLength < bytes.length) {
    const fd = await open(path, 'r+');
    try {
      await fd.truncate(scan.validLength);
      await fd.sync();
    } finally {
      await fd.close();
    }
    logger?.warn('event log had a torn tail; truncated it', {
      path,
      droppedBytes: bytes.length - scan.validLength,
      droppedEvents: scan.droppedEvents,
      offset: scan.validLength,
    });
  }
  const index = createStreamIndex();
  for (const event of scan.events) index.add(event);
  return index;
}


interface Batch {
  readonly events: readonly RecordedEvent[];
  readonly text: string;
}

/** What accepted-but-not-yet-durable appends did to a stream; expected versions are checked against it. */
interface Reservation {
  readonly version: number;
  readonly lastPosition: number;
  readonly durable: Promise<void>;
}

function createFileEventStore(fd: FileHandle, lock: FileLock, index: StreamIndex, logger?: Logger): EventStore {
  const feed = createEventFeed(logger);
  const reserved = new Map<string, Reservation>();
  let nextPosition = index.head() + 1;
  let failure: AppError | undefined;
  let closing: Promise<void> | undefined;

  const commit = createGroupCommit<Batch>(async (batches) => {
    if (failure) throw failure;
    try {
      await writeAll(fd, Buffer.from(batches.map((b) => b.text).join(''), 'utf8'));
      await fd.datasync();
    } catch (cause) {
      // After a failed write or fsync the file's state is unknown; only a reopen, which re-verifies
      // the log, may accept appends again. Later queued batches were checked against these, so fail them too.
      failure = new AppError('store_unavailable', 'Event log write failed; outcome unknown, reopen the store', {}, { cause });
      logger?.error('event log write failed', { error: cause });
      throw failure;
    }
    for (const batch of batches) {
      for (const event of batch.events) index.add(event);
      const last = batch.events.at(-1);
      if (last && reserved.get(last.streamId)?.version === last.version) reserved.delete(last.streamId);
    }
    for (const batch of batches) feed.publish(batch.events);
  });

  function current(streamId: string): Reservation {
    return (
      reserved.get(streamId) ?? {
        version: index.version(streamId),
        lastPosition: index.lastPosition(streamId),
        durable: Promise.resolve(),
      }
    );
  }

  return {
    async append(streamId, events, expected): Promise<AppendResult> {
      if (closing) throw new AppError('store_unavailable', 'Event store is closed');
      if (failure) throw failure;
      assertStreamId(streamId);
      const stream = current(streamId);
      assertExpectedVersion(streamId, expected, stream.version);
      if (events.length === 0) {
        // The version just checked may not be durable yet: answer only once it is.
        await stream.durable;
        return { nextVersion: stream.version, lastPosition: stream.lastPosition };
      }
      const encoded = recordEvents(streamId, events, stream.version + 1, nextPosition);
      const lastPosition = nextPosition + encoded.length - 1;
      const durable = commit.enqueue({
        events: encoded.map((e) => e.event),
        text: encodeBatch(encoded.map((e) => e.json), lastPosition),
      });
      nextPosition = lastPosition + 1;
      const nextVersion = stream.version + encoded.length;
      reserved.set(streamId, { version: nextVersion, lastPosition, durable });
      await durable;
      return { nextVersion, lastPosition };
    },
    async readStream(streamId) {
      // Read-your-writes: a caller retrying after a ConcurrencyError must see the events it lost to.
      await current(streamId).durable.catch(() => undefined);
      return index.readStream(streamId);
    },
    readAll: async (fromPosition, limit) => index.readAll(fromPosition, limit),
    headPosition: async () => index.head(),
    subscribe: (listener) => feed.subscribe(listener),
    close() {
      closing ??= (async () => {
        await commit.idle();
        feed.clear();
        try {
          await fd.close();
        } finally {
          await lock.release();
        }
      })();
      return closing;
    },
  };
}

async function writeAll(fd: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await fd.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}
