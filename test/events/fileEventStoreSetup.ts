/**
 * What the file event store tests share: each test gets a fresh data directory and a logger whose lines it can
 * read, and may seed the log with three committed events.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/events/eventStore.js';
import { LOG_FILE, openFileEventStore } from '../../src/events/fileEventStore.js';
import { placeBatch } from '../../src/events/fileBatch.js';
import { loadIndexCheckpoint } from '../../src/events/fileIndexCheckpoint.js';
import type { LogIndex } from '../../src/events/fileLogIndex.js';
import { recordEvents } from '../../src/events/recordEvents.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { newEvent } from './eventStoreContract.js';

export interface FileEventStoreDir {
  /** The store's data directory (fresh for each test, removed after it). */
  readonly dir: string;
  readonly logPath: string;
  /** Opens the store on `dir` with the test's logger. */
  open(): Promise<EventStore>;
  /** The logger's lines with this message, parsed. */
  logged(msg: string): Record<string, unknown>[];
  /** Three committed events (a:1, b:1, a:2), store closed; returns the log size. */
  seed(): Promise<number>;
  /** Log lines for a batch that would follow seed(): stream b, versions 2.., positions 4.. */
  nextBatch(count: number): string;
}

/** Installs the beforeEach/afterEach hooks of one describe block; the returned object reads the current test's. */
export function useFileEventStoreDir(): FileEventStoreDir {
  let dir: string;
  let logPath: string;
  let lines: string[];
  let logger: Logger;
  let seeded: LogIndex;
  const open = (): Promise<EventStore> => openFileEventStore({ dir, logger });

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'file-event-store-')), 'data');
    logPath = join(dir, LOG_FILE);
    lines = [];
    logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  return {
    get dir() {
      return dir;
    },
    get logPath() {
      return logPath;
    },
    open,
    logged: (msg) =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg),
    async seed() {
      const store = await open();
      await store.append('a', [newEvent('A1', { n: 1 })], 0);
      await store.append('b', [newEvent('B1')], 0);
      await store.append('a', [newEvent('A2', { n: 2 })], 1);
      await store.close();
      const checkpoint = await loadIndexCheckpoint(dir);
      if (!checkpoint || !('index' in checkpoint)) throw new Error('close() saved no index checkpoint');
      seeded = checkpoint.index;
      return (await stat(logPath)).size;
    },
    nextBatch(count) {
      const jsons = recordEvents(
        'b',
        Array.from({ length: count }, (_, i) => newEvent(`Torn${i}`)),
        2,
        4,
      ).map((e) => e.json);
      const cursor = { segment: seeded.end.segment, size: seeded.end.size, chain: seeded.chain };
      return placeBatch(cursor, jsons, 3 + count, seeded.streams.get('b')?.last ?? null, 1e9).bytes.toString(
        'utf8',
      );
    },
  };
}

export function flipBit(bytes: Buffer, offset: number): void {
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
}
