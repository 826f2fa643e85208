import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { INDEX_FILE } from '../../src/events/fileIndexCheckpoint.js';
import {
  ACCEPT_SHORTER_LOG_ENV,
  openFileEventStore,
  type FileEventStore,
} from '../../src/events/fileEventStore.js';
import { checkFileLog } from '../../src/events/fileLogCheck.js';
import { openFileLogReader } from '../../src/events/fileLogReader.js';
import { LOG_FILE, listSegments, segmentFile } from '../../src/events/fileSegments.js';
import { recordEvents } from '../../src/events/recordEvents.js';
import { newEvent } from './eventStoreContract.js';

/** A log line as the single-file store wrote it before segments and chains. */
function legacyLines(streamId: string, count: number, firstVersion: number, firstPosition: number): string {
  const batchEnd = firstPosition + count - 1;
  return recordEvents(
    streamId,
    Array.from({ length: count }, (_, i) => newEvent(`Old${i}`, { i })),
    firstVersion,
    firstPosition,
  )
    .map(({ json }) => {
      const record = `{"batchEnd":${batchEnd},${json.slice(1)}`;
      return `${crc32(record).toString(16).padStart(8, '0')} ${record}\n`;
    })
    .join('');
}

describe('file event log segments and checkpoints', () => {
  let dir: string;
  let store: FileEventStore | undefined;
  const open = async (
    options: { segmentBytes?: number; acceptShorterLog?: boolean } = {},
  ): Promise<FileEventStore> => (store = await openFileEventStore({ dir, ...options }));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-segments-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a new segment before one would pass its size limit, and reads across segments', async () => {
    const s = await open({ segmentBytes: 4096 });
    for (let i = 0; i < 60; i++)
      await s.append(`s${i % 3}`, [newEvent('E', { i, pad: 'x'.repeat(100) })], 'any');
    await s.close();
    const segments = await listSegments(dir);
    expect(segments.length).to.be.greaterThan(3);
    for (const segment of segments) expect((await stat(segmentFile(dir, segment))).size).to.be.at.most(4096);
    const reopened = await open({ segmentBytes: 4096 });
    expect(reopened.stats()).to.include({ head: 60, segments: segments.length, recordsReadAtOpen: 0 });
    expect((await reopened.readAll(1)).map((e) => e.data['i'])).to.deep.equal(
      Array.from({ length: 60 }, (_, i) => i),
    );
    expect((await reopened.readAll(37, 5)).map((e) => e.position)).to.deep.equal([37, 38, 39, 40, 41]);
    expect((await reopened.readStream('s1')).map((e) => e.data['i'])).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => i * 3 + 1),
    );
    await reopened.append('s1', [newEvent('Late')], 20);
    expect((await checkFileLog(dir)).ok).to.equal(true);
  });

  it('reads only the records after the index checkpoint at open', async () => {
    const s = await open();
    for (let i = 0; i < 10; i++) await s.append('a', [newEvent('E')], i);
    await s.close();
    const atTen = await readFile(join(dir, INDEX_FILE));
    const writer = await open();
    for (let i = 10; i < 15; i++) await writer.append('a', [newEvent('E')], i);
    await writer.close();
    // As if the gateway had crashed after the checkpoint at 10 events.
    await writeFile(join(dir, INDEX_FILE), atTen);
    const reopened = await open();
    expect(reopened.stats().recordsReadAtOpen).to.equal(5);
    expect(await reopened.headPosition()).to.equal(15);
    expect((await reopened.readStream('a')).length).to.equal(15);
  });

  it('upgrades a single-file log of the old format in place, keeping every event', async () => {
    await writeFile(
      join(dir, LOG_FILE),
      legacyLines('a', 2, 1, 1) + legacyLines('b', 1, 1, 3) + legacyLines('a', 3, 3, 4),
      { mode: 0o600 },
    );
    const reader = await openFileLogReader({ dir });
    expect((await reader.readStream('a')).map((e) => e.version)).to.deep.equal([1, 2, 3, 4, 5]);
    await reader.close();
    expect((await checkFileLog(dir)).details).to.include({ unchainedRecords: 6 });

    const s = await open({ segmentBytes: 1024 });
    expect(await s.headPosition()).to.equal(6);
    expect((await s.readStream('a')).map((e) => e.type)).to.deep.equal([
      'Old0',
      'Old1',
      'Old0',
      'Old1',
      'Old2',
    ]);
    await s.append('b', [newEvent('New')], 1);
    await s.close();
    store = undefined;
    expect((await readFile(join(dir, LOG_FILE), 'utf8')).split('\n')[0]).to.match(/^[0-9a-f]{8} \{"chain":/);
    expect((await readdir(dir)).filter((n) => n.endsWith('.upgrade'))).to.deep.equal([]);
    const check = await checkFileLog(dir);
    expect(check.ok).to.equal(true);
    expect(check.details).to.include({ chainVerified: 7 });
    expect((await (await open()).readAll(1)).map((e) => e.position)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts an interrupted upgrade again from the old log', async () => {
    const legacy = legacyLines('a', 3, 1, 1);
    await writeFile(join(dir, LOG_FILE), legacy);
    await writeFile(join(dir, `${LOG_FILE}.upgrade`), 'half of a new segment');
    await writeFile(segmentFile(dir, 1), 'a later segment renamed before segment 0 was');
    const s = await open();
    expect((await s.readAll(1)).map((e) => e.type)).to.deep.equal(['Old0', 'Old1', 'Old2']);
    expect(await listSegments(dir)).to.deep.equal([0]);
  });

  describe('a log shorter than its checkpoint', () => {
    async function seedAndCut(cut: (size: number) => Promise<void>): Promise<void> {
      const s = await open();
      for (let i = 0; i < 6; i++) await s.append('a', [newEvent('E')], i);
      await s.close();
      store = undefined;
      await cut((await stat(join(dir, LOG_FILE))).size);
    }
    const cuts: [string, (size: number) => Promise<void>][] = [
      ['cut to half', (size) => truncate(join(dir, LOG_FILE), Math.floor(size / 2))],
      ['emptied', () => truncate(join(dir, LOG_FILE), 0)],
      ['deleted', () => unlink(join(dir, LOG_FILE))],
    ];
    for (const [name, cut] of cuts) {
      it(`refuses to start when the log was ${name}, and starts with ${ACCEPT_SHORTER_LOG_ENV}`, async () => {
        await seedAndCut(cut);
        const error = await open().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error)
          .to.have.property('message')
          .that.contains('is shorter than its checkpoint says')
          .and.contains(`${ACCEPT_SHORTER_LOG_ENV}=true`);
        const accepted = await open({ acceptShorterLog: true });
        expect(await accepted.headPosition()).to.be.lessThan(6);
      });
    }
  });

  it('removes leftover temp files at open', async () => {
    await (await open()).close();
    await writeFile(join(dir, `${INDEX_FILE}.123.tmp`), Buffer.alloc(4096));
    await open();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
  });
});
