import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { EventStore } from './eventStore.js';
import { LOG_FILE } from './fileEventStore.js';
import { scanLog } from './fileLog.js';
import { createStreamIndex } from './streamIndex.js';

/**
 * A read-only view of a file event log, for the operator CLI: it takes no lock (a gateway may be
 * writing the log right now), never truncates, and reads what has been appended since its last
 * look before every read. An incomplete batch at the end is a write in progress: it is left for
 * the next look, not reported.
 */
export async function openFileLogReader(options: { dir: string; logger?: Logger; pollMs?: number }): Promise<EventStore> {
  const path = join(options.dir, LOG_FILE);
  const index = createStreamIndex();
  const feed = createEventFeed(options.logger);
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  let listeners = 0;
  let refreshing: Promise<void> | undefined;

  const readNew = async (): Promise<void> => {
    const size = await stat(path).then(
      (s) => s.size,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 0 : Promise.reject(e)),
    );
    if (size < offset) throw new AppError('store_unavailable', `Event log ${path} shrank while being read (truncated or replaced)`);
    if (size === offset) return;
    const fd = await open(path, 'r');
    let bytes: Buffer;
    try {
      bytes = Buffer.alloc(size - offset);
      await fd.read(bytes, 0, bytes.length, offset);
    } finally {
      await fd.close();
    }
    const scan = scanLog(bytes, { position: index.head(), versionOf: (s) => index.version(s) });
    for (const event of scan.events) index.add(event);
    offset += scan.validLength;
    feed.publish(scan.events);
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

  // Nothing is read yet: a damaged log must still open so `mcp-api verify` can report on it.
  return {
    append: async () => {
      throw new AppError('store_unavailable', 'This is a read-only view of the event log');
    },
    readStream: async (streamId) => (await refresh(), index.readStream(streamId)),
    readAll: async (from, limit) => (await refresh(), index.readAll(from, limit)),
    headPosition: async () => (await refresh(), index.head()),
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
    },
  };
}
