import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { AppendResult, EventStore, RecordedEvent, StoreHealth, StoreStats } from './eventStore.js';
import { placeBatch, type LogCursor } from './fileBatch.js';
import { saveIndexCheckpoint } from './fileIndexCheckpoint.js';
import type { FileLock } from './fileLock.js';
import type { LogIndex } from './fileLogIndex.js';
import { readRange, readStreamBack, type ReadHint, StreamCache } from './fileLogReads.js';
import type { RecordAddress } from './fileRecord.js';
import { SegmentReaders, segmentFile } from './fileSegments.js';
import { createGroupCommit } from './groupCommit.js';
import { assertExpectedVersion, assertStreamId, recordEvents } from './recordEvents.js';
import { syncDir } from './syncDir.js';
import { createWriteRecovery } from './writeRecovery.js';

export interface FileStoreStats extends StoreStats {
  readonly head: number;
  readonly streams: number;
  /** Records the last open had to read (the events since the index checkpoint, plus a torn tail). */
  readonly recordsReadAtOpen: number;
}

/** The file store: the port plus what metrics and tests need to see of it. */
export interface FileEventStore extends EventStore {
  health(): StoreHealth;
  stats(): FileStoreStats;
}

export interface FileStoreParts {
  readonly dir: string;
  readonly logger?: Logger;
  readonly segmentBytes: number;
  readonly checkpointEvents?: number;
  readonly checkpointIntervalMs?: number;
  readonly warnLogBytes?: number;
  readonly lock: FileLock;
  readonly index: LogIndex;
  readonly recordsReadAtOpen: number;
}

interface Batch {
  readonly events: readonly RecordedEvent[];
  readonly segment: number;
  readonly offset: number;
  readonly bytes: Buffer;
  readonly addresses: readonly RecordAddress[];
  readonly chains: readonly string[];
}

/** What accepted-but-not-yet-durable appends did to a stream; expected versions are checked against it. */
interface Reservation {
  readonly version: number;
  readonly lastPosition: number;
  readonly last: RecordAddress;
  readonly durable: Promise<void>;
}

export async function createFileStore(parts: FileStoreParts): Promise<FileEventStore> {
  const { dir, logger, lock, index, segmentBytes } = parts;
  const feed = createEventFeed(logger);
  const readers = new SegmentReaders(dir);
  const hint: ReadHint = {};
  const cache = new StreamCache(20_000);
  const writers = new Map<number, FileHandle>([[0, lock.handle]]);
  const reserved = new Map<string, Reservation>();
  const warnBytes = parts.warnLogBytes ?? 1024 ** 3;
  let sealedBytes = 0;
  for (let s = 0; s < index.end.segment; s++)
    sealedBytes += await stat(segmentFile(dir, s)).then(
      (x) => x.size,
      () => 0,
    );
  const logBytes = (): number => sealedBytes + index.end.size;
  let warnedAt = Math.floor(logBytes() / warnBytes);
  let cursor: LogCursor = { segment: index.end.segment, size: index.end.size, chain: index.chain };
  let nextPosition = index.head + 1;
  let closing: Promise<void> | undefined;
  let sinceCheckpoint = 0;
  let checkpointing: Promise<void> | undefined;
  logger?.[warnedAt > 0 ? 'warn' : 'info']('event log opened', {
    dir,
    head: index.head,
    logBytes: logBytes(),
    segments: index.end.segment + 1,
    recordsRead: parts.recordsReadAtOpen,
  });

  const recovery = createWriteRecovery({
    dir,
    logger,
    idle: () => commit.idle(),
    // Cut every segment back to the committed end, so the next write starts on known bytes.
    async restore() {
      for (const [segment, handle] of writers) {
        if (segment <= index.end.segment) continue;
        writers.delete(segment);
        await handle.truncate(0);
        await handle.close();
      }
      const handle = await writer(index.end.segment);
      await handle.truncate(index.end.size);
      await handle.datasync();
      cursor = { segment: index.end.segment, size: index.end.size, chain: index.chain };
      nextPosition = index.head + 1;
      reserved.clear();
    },
  });

  async function writer(segment: number): Promise<FileHandle> {
    let handle = writers.get(segment);
    if (!handle) {
      handle = await open(segmentFile(dir, segment), constants.O_RDWR | constants.O_CREAT, 0o600);
      writers.set(segment, handle);
      await syncDir(dir);
    }
    return handle;
  }

  const commit = createGroupCommit<Batch>(async (batches) => {
    const failure = recovery.failure();
    if (failure) throw failure;
    try {
      for (let i = 0; i < batches.length;) {
        const first = batches[i] as Batch;
        const group: Buffer[] = [];
        for (; i < batches.length && (batches[i] as Batch).segment === first.segment; i++)
          group.push((batches[i] as Batch).bytes);
        const handle = await writer(first.segment);
        await writeAll(handle, Buffer.concat(group), first.offset);
        await handle.datasync();
      }
    } catch (cause) {
      // Later queued batches were placed after these: they fail too, and recovery resets the cursor.
      throw recovery.failed(cause);
    }
    for (const batch of batches) {
      if (batch.segment > index.end.segment) {
        sealedBytes += index.end.size;
        for (const [segment, handle] of writers)
          if (segment < batch.segment && segment !== 0) void closeWriter(segment, handle);
      }
      batch.events.forEach((e, i) => {
        index.commit(e.position, e.streamId, e.version, batch.addresses[i] as RecordAddress, batch.chains[i]);
        cache.add(e);
      });
      const last = batch.events.at(-1);
      if (last && reserved.get(last.streamId)?.version === last.version) reserved.delete(last.streamId);
      sinceCheckpoint += batch.events.length;
    }
    for (const batch of batches) feed.publish(batch.events);
    if (Math.floor(logBytes() / warnBytes) > warnedAt) {
      warnedAt = Math.floor(logBytes() / warnBytes);
      logger?.warn('the event log is large; see docs/event-store.md (back it up, watch the disk)', {
        logBytes: logBytes(),
        segments: index.end.segment + 1,
      });
    }
    if (sinceCheckpoint >= (parts.checkpointEvents ?? 50_000)) void checkpoint();
  });

  function closeWriter(segment: number, handle: FileHandle): Promise<void> {
    writers.delete(segment);
    return handle.close().catch(() => undefined);
  }

  function checkpoint(): Promise<void> {
    if (sinceCheckpoint === 0) return checkpointing ?? Promise.resolve();
    checkpointing ??= (async () => {
      const json = index.toJSON();
      sinceCheckpoint = 0;
      try {
        await saveIndexCheckpoint(dir, json);
      } catch (error) {
        sinceCheckpoint = 1;
        logger?.warn('saving the event index checkpoint failed; will retry', { error });
      } finally {
        checkpointing = undefined;
      }
    })();
    return checkpointing;
  }
  const timer = setInterval(() => void checkpoint(), parts.checkpointIntervalMs ?? 60_000);
  timer.unref();
  // What this open had to read, the next one need not.
  sinceCheckpoint = parts.recordsReadAtOpen;
  if (sinceCheckpoint > 0) void checkpoint();

  function current(streamId: string): Reservation {
    const tip = index.streams.get(streamId);
    return (
      reserved.get(streamId) ?? {
        version: tip?.version ?? 0,
        lastPosition: tip?.lastPosition ?? 0,
        last: tip?.last ?? { segment: 0, offset: 0, length: 0 },
        durable: Promise.resolve(),
      }
    );
  }

  return {
    async append(streamId, events, expected): Promise<AppendResult> {
      if (closing) throw new AppError('store_unavailable', 'Event store is closed');
      const failure = recovery.failure();
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
      const prev = stream.version === 0 ? null : stream.last;
      const placed = placeBatch(
        cursor,
        encoded.map((e) => e.json),
        lastPosition,
        prev,
        segmentBytes,
      );
      const { segment, offset, bytes, addresses, chains } = placed;
      const durable = commit.enqueue({
        events: encoded.map((e) => e.event),
        segment,
        offset,
        bytes,
        addresses,
        chains,
      });
      cursor = placed.next;
      nextPosition = lastPosition + 1;
      const nextVersion = stream.version + encoded.length;
      reserved.set(streamId, {
        version: nextVersion,
        lastPosition,
        last: addresses.at(-1) as RecordAddress,
        durable,
      });
      await durable;
      return { nextVersion, lastPosition };
    },
    async readStream(streamId) {
      // Read-your-writes: a caller retrying after a ConcurrencyError must see the events it lost to.
      await current(streamId).durable.catch(() => undefined);
      const tip = index.streams.get(streamId);
      if (!tip) return [];
      const cached = cache.get(streamId);
      if (cached && cached.length === tip.version) return cached;
      const events = await readStreamBack(readers, streamId, tip.last, tip.version);
      cache.set(streamId, events);
      return events;
    },
    readAll: (fromPosition, limit) => readRange(index, readers, fromPosition, limit, hint),
    headPosition: async () => index.head,
    subscribe: (listener) => feed.subscribe(listener),
    health: (): StoreHealth => recovery.health(),
    stats: () => ({
      head: index.head,
      streams: index.streams.size,
      segments: index.end.segment + 1,
      logBytes: logBytes(),
      recordsReadAtOpen: parts.recordsReadAtOpen,
    }),
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await commit.idle();
        recovery.stop();
        feed.clear();
        try {
          if (!recovery.failure()) await checkpoint();
          await checkpointing;
          await readers.close();
          for (const [segment, handle] of writers) if (segment !== 0) await closeWriter(segment, handle);
        } finally {
          await lock.release();
        }
      })();
      return closing;
    },
  };
}

async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}
