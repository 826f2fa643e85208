import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { EventStore, RecordedEvent } from './eventStore.js';
import { checkpointProblem, loadIndexCheckpoint } from './fileIndexCheckpoint.js';
import { LogIndex } from './fileLogIndex.js';
import { readRange, readStreamBack, type ReadHint } from './fileLogReads.js';
import { scanSegments } from './fileLogScan.js';
import { listSegments, SegmentReaders, segmentFile } from './fileSegments.js';

const PAGE = 5000;

/**
 * A read-only view of a file event log, for the operator CLI: it takes no lock (a gateway may be
 * writing the log right now), never truncates, and before every read verifies what has been
 * appended since its last look. It keeps only the index (stream tips and a sparse position table),
 * so `events list`, `export` and `verify` run in constant memory whatever the log's size. An
 * incomplete batch at the end is a write in progress: it is left for the next look, not reported.
 */
export async function openFileLogReader(options: {
  dir: string;
  logger?: Logger;
  pollMs?: number;
}): Promise<EventStore> {
  const { dir } = options;
  let index = new LogIndex();
  let started = false;
  const readers = new SegmentReaders(dir);
  const hint: ReadHint = {};
  const feed = createEventFeed(options.logger);
  let timer: NodeJS.Timeout | undefined;
  let listeners = 0;
  let refreshing: Promise<void> | undefined;

  const readNew = async (): Promise<void> => {
    if (!started) {
      started = true;
      // Start where the writer's index checkpoint is, when it matches the log: `mcp-api verify`
      // (checkFileLog) is what reads every record; export and list need not scan twice.
      const loaded = await loadIndexCheckpoint(dir);
      if (
        loaded &&
        'index' in loaded &&
        (await checkpointProblem(dir, loaded.index, await listSegments(dir))) === undefined
      )
        index = loaded.index;
    }
    const size = await stat(segmentFile(dir, index.end.segment)).then(
      (s) => s.size,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 0 : Promise.reject(e)),
    );
    if (size < index.end.size)
      throw new AppError(
        'store_unavailable',
        `Event log ${dir} shrank while being read (truncated or replaced)`,
      );
    const fresh: RecordedEvent[] = [];
    const onEvent =
      listeners > 0 ? (record: { event: RecordedEvent }) => void fresh.push(record.event) : undefined;
    await scanSegments(dir, index, await listSegments(dir), onEvent ? { onEvent } : {});
    feed.publish(fresh);
  };
  const refresh = (): Promise<void> => {
    refreshing ??= readNew().finally(() => (refreshing = undefined));
    return refreshing;
  };
  const poll = (): void => {
    timer = setTimeout(() => {
      refresh()
        .catch((error: unknown) => options.logger?.warn('reading the event log failed', { error }))
        .finally(() => {
          if (listeners > 0) poll();
        });
    }, options.pollMs ?? 200);
    timer.unref();
  };

  async function readStream(streamId: string): Promise<RecordedEvent[]> {
    await refresh();
    const tip = index.streams.get(streamId);
    if (!tip) return [];
    if (index.legacyRecords === 0) return readStreamBack(readers, streamId, tip.last, tip.version);
    // A log not yet upgraded by a gateway has no back-links: filter a pass over it (constant memory).
    const events: RecordedEvent[] = [];
    for (let from = 1; from <= tip.lastPosition; from += PAGE) {
      for (const e of await readRange(index, readers, from, PAGE))
        if (e.streamId === streamId && e.position <= tip.lastPosition) events.push(e);
    }
    return events;
  }

  // Nothing is read yet: a damaged log must still open so `mcp-api verify` can report on it.
  return {
    append: async () => {
      throw new AppError('store_unavailable', 'This is a read-only view of the event log');
    },
    readStream,
    readAll: async (from, limit) => (await refresh(), readRange(index, readers, from, limit, hint)),
    headPosition: async () => (await refresh(), index.head),
    subscribe(listener) {
      const off = feed.subscribe(listener);
      if (listeners++ === 0) poll();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        off();
        if (--listeners === 0 && timer) clearTimeout(timer);
      };
    },
    async close() {
      if (timer) clearTimeout(timer);
      feed.clear();
      await readers.close();
    },
  };
}
