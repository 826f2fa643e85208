import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../src/events/eventStore.js';
import { LOCK_FILE, LOG_FILE, openFileEventStore } from '../../src/events/fileEventStore.js';
import { placeBatch } from '../../src/events/fileBatch.js';
import { INDEX_FILE, loadIndexCheckpoint } from '../../src/events/fileIndexCheckpoint.js';
import type { LogIndex } from '../../src/events/fileLogIndex.js';
import { recordEvents } from '../../src/events/recordEvents.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { newEvent } from './eventStoreContract.js';

describe('file event store', () => {
  let dir: string;
  let logPath: string;
  let lines: string[];
  let logger: Logger;
  const open = (): Promise<EventStore> => openFileEventStore({ dir, logger });
  const logged = (msg: string): Record<string, unknown>[] =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg);

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'file-event-store-')), 'data');
    logPath = join(dir, LOG_FILE);
    lines = [];
    logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  /** Three committed events (a:1, b:1, a:2), store closed; returns the log size. */
  async function seed(): Promise<number> {
    const store = await open();
    await store.append('a', [newEvent('A1', { n: 1 })], 0);
    await store.append('b', [newEvent('B1')], 0);
    await store.append('a', [newEvent('A2', { n: 2 })], 1);
    await store.close();
    const checkpoint = await loadIndexCheckpoint(dir);
    if (!checkpoint || !('index' in checkpoint)) throw new Error('close() saved no index checkpoint');
    seeded = checkpoint.index;
    return (await stat(logPath)).size;
  }

  let seeded: LogIndex;
  /** Log lines for a batch that would follow seed(): stream b, versions 2.., positions 4.. */
  const nextBatch = (count: number): string => {
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
  };

  it('persists events across close and reopen, continuing positions and versions', async () => {
    await seed();
    expect(await stat(join(dir, LOCK_FILE)).catch(() => undefined)).to.equal(undefined);
    const store = await open();
    expect((await store.readAll(1)).map((e) => [e.position, e.streamId, e.version, e.type])).to.deep.equal([
      [1, 'a', 1, 'A1'],
      [2, 'b', 1, 'B1'],
      [3, 'a', 2, 'A2'],
    ]);
    expect((await store.readStream('a'))[1]?.data).to.deep.equal({ n: 2 });
    expect(await rejectionOf(store.append('a', [newEvent('X')], 1))).to.be.instanceOf(ConcurrencyError);
    expect(await store.append('a', [newEvent('A3'), newEvent('A4')], 2)).to.deep.equal({
      nextVersion: 4,
      lastPosition: 5,
    });
    await store.close();
    const reopened = await open();
    expect(await reopened.headPosition()).to.equal(5);
    expect((await reopened.readStream('a')).map((e) => e.version)).to.deep.equal([1, 2, 3, 4]);
    await reopened.close();
  });

  it('writes one checksummed line per event, in private files', async () => {
    await seed();
    const text = await readFile(logPath, 'utf8');
    expect(text.split('\n')).to.have.length(4);
    for (const line of text.trimEnd().split('\n')) {
      expect(line).to.match(
        /^[0-9a-f]{8} \{"chain":"[0-9a-f]{64}","batchEnd":\d+,"prev":(null|\[\d+,\d+,\d+\]),"position"/,
      );
    }
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    expect((await stat(logPath)).mode & 0o777).to.equal(0o600);
  });

  it('writes nothing for a rejected append', async () => {
    const size = await seed();
    const store = await open();
    await rejectionOf(store.append('a', [newEvent('X')], 0));
    await store.close();
    expect((await stat(logPath)).size).to.equal(size);
  });

  it('rejects an event the log could not read back, writing nothing', async () => {
    const size = await seed();
    const store = await open();
    const bad = { ...newEvent('E'), data: undefined } as unknown as NewEvent;
    expect(await rejectionOf(store.append('a', [newEvent('Ok'), bad], 2))).to.be.instanceOf(TypeError);
    expect(await store.append('a', [newEvent('A3')], 2)).to.deep.equal({ nextVersion: 3, lastPosition: 4 });
    await store.close();
    expect((await stat(logPath)).size).to.be.greaterThan(size);
    const reopened = await open();
    expect((await reopened.readAll(1)).map((e) => e.type)).to.deep.equal(['A1', 'B1', 'A2', 'A3']);
    await reopened.close();
  });

  it('makes events durable before listeners see them and reports throwing listeners', async () => {
    const store = await open();
    const onDisk: boolean[] = [];
    store.subscribe((e) => onDisk.push(readFileSync(logPath, 'utf8').includes(e.metadata.eventId)));
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    await Promise.all([
      store.append('a', [newEvent('A1'), newEvent('A2')], 0),
      store.append('b', [newEvent('B1')], 0),
    ]);
    expect(onDisk).to.deep.equal([true, true, true]);
    expect(logged('event listener threw')).to.have.length(3);
    await store.close();
  });

  it('keeps every one of 100 concurrent appends across a reopen', async () => {
    const store = await open();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        store.append(`s${i}`, [newEvent('E', { i }), newEvent('F', { i })], 0),
      ),
    );
    await store.close();
    const reopened = await open();
    const all = await reopened.readAll(1);
    expect(all.map((e) => e.position)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const [i, result] of results.entries()) {
      expect(all[result.lastPosition - 1]).to.include({ streamId: `s${i}`, version: 2, type: 'F' });
    }
    await reopened.close();
  });

  describe('torn tail', () => {
    const cases: [string, () => string][] = [
      ['garbage without a newline', () => '{"batchEnd":4,"posi'],
      ['half a line', () => nextBatch(1).slice(0, 40)],
      [
        'two complete lines of a three-event batch',
        () => nextBatch(3).split('\n').slice(0, 2).join('\n') + '\n',
      ],
      ['two and a half lines of a three-event batch', () => nextBatch(3).slice(0, -30)],
    ];
    for (const [name, tail] of cases) {
      it(`drops ${name}, truncates the file and keeps working`, async () => {
        const size = await seed();
        const torn = tail();
        await appendFile(logPath, torn);
        const store = await open();
        expect(await store.headPosition()).to.equal(3);
        expect((await stat(logPath)).size).to.equal(size);
        expect(logged('event log had a torn tail; truncated it')[0]).to.include({
          droppedBytes: Buffer.byteLength(torn),
          offset: size,
        });
        expect(await store.append('b', [newEvent('B2')], 1)).to.deep.equal({
          nextVersion: 2,
          lastPosition: 4,
        });
        await store.close();
        const reopened = await open();
        expect((await reopened.readAll(1)).map((e) => e.type)).to.deep.equal(['A1', 'B1', 'A2', 'B2']);
        await reopened.close();
      });
    }

    it('refuses a complete last record that fails its checksum: damage, not a torn write', async () => {
      const size = await seed();
      await appendFile(logPath, `00000000${nextBatch(1).slice(8)}`);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.contain(
        `corrupt at byte offset ${size} of events.log (position 4)`,
      );
      expect((await stat(logPath)).size).to.be.greaterThan(size);
    });

    it('refuses a damaged last committed record, naming its offset (full scan without a checkpoint)', async () => {
      await seed();
      await rm(join(dir, INDEX_FILE));
      const bytes = await readFile(logPath);
      const lastLine = bytes.lastIndexOf('\n', bytes.length - 2) + 1;
      flipBit(bytes, lastLine + 30);
      await writeFile(logPath, bytes);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.contain(`corrupt at byte offset ${lastLine}`);
      expect((await stat(logPath)).size).to.equal(bytes.length);
    });

    it('refuses a damaged last committed record the checkpoint points at', async () => {
      await seed();
      const bytes = await readFile(logPath);
      flipBit(bytes, bytes.lastIndexOf('\n', bytes.length - 2) + 30);
      await writeFile(logPath, bytes);
      expect((await rejectionOf(open())) as Error)
        .to.have.property('message')
        .that.contains('corrupt at byte offset');
    });
  });

  describe('corruption in the middle', () => {
    async function corruptLine(lineNumber: number): Promise<number> {
      const bytes = await readFile(logPath);
      let offset = 0;
      for (let i = 0; i < lineNumber; i++) offset = bytes.indexOf('\n', offset) + 1;
      flipBit(bytes, offset + 40);
      await writeFile(logPath, bytes);
      return offset;
    }

    for (const line of [0, 1]) {
      it(`refuses to open when record ${line + 1} of 3 is damaged, naming its byte offset`, async () => {
        const size = await seed();
        // With a checkpoint only the records after it are read at open; mcp-api verify reads them all.
        await rm(join(dir, INDEX_FILE));
        const offset = await corruptLine(line);
        const error = await rejectionOf(open());
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.contain(`corrupt at byte offset ${offset}`);
        expect((await stat(logPath)).size).to.equal(size);
        expect(await stat(join(dir, LOCK_FILE)).catch(() => undefined)).to.equal(undefined);
      });
    }

    it('refuses to open when an incomplete batch is followed by intact records', async () => {
      const size = await seed();
      const complete = nextBatch(1);
      const partial = nextBatch(3).split('\n')[0] + '\n';
      await appendFile(logPath, partial + complete);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.match(new RegExp(`byte offset ${size + partial.length}`));
    });
  });

  describe('lock', () => {
    it('refuses a second open of the same directory while the first is open, naming the holder', async () => {
      const first = await open();
      const error = await rejectionOf(open());
      expect((error as Error).message).to.contain(
        `another gateway holds the write lock on ${logPath} (pid ${process.pid} on host`,
      );
      await first.close();
      const second = await open();
      await second.close();
    });

    it('does not admit a second writer when the lock file is deleted under a live one', async () => {
      const first = await open();
      await rm(join(dir, LOCK_FILE));
      const error = await rejectionOf(open());
      expect((error as Error).message)
        .to.contain('another gateway holds the write lock')
        .and.to.contain('who: unknown');
      await first.append('a', [newEvent('A1')], 0);
      await first.close();
    });

    it('needs no clean-up after a writer died: an old pid-stamped lock file is just information', async () => {
      await seed();
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      await writeFile(join(dir, LOCK_FILE), String(dead));
      const store = await open();
      expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).to.include({ pid: process.pid });
      expect(await store.headPosition()).to.equal(3);
      await store.close();
    });
  });

  it('rejects appends after close and closes idempotently', async () => {
    const store = await open();
    await store.close();
    await store.close();
    const error = await rejectionOf(store.append('a', [newEvent('E')], 'any'));
    expect(error).to.be.instanceOf(AppError).and.to.include({ code: 'store_unavailable' });
  });
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function flipBit(bytes: Buffer, offset: number): void {
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
}
