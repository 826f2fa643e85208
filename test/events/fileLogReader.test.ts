import { expect } from 'chai';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { openFileLogReader } from '../../src/events/fileLogReader.js';
import type { RecordedEvent } from '../../src/events/eventStore.js';
import { newEvent } from './eventStoreContract.js';

describe('read-only file log reader (for the CLI)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-reader-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a log a running writer holds locked, and sees its later appends', async () => {
    const writer = await openFileEventStore({ dir });
    try {
      await writer.append('a', [newEvent('A1'), newEvent('A2')], 0);
      const reader = await openFileLogReader({ dir, pollMs: 10 });
      const seen: RecordedEvent[] = [];
      reader.subscribe((e) => seen.push(e));
      expect((await reader.readAll(1)).map((e) => e.type)).to.deep.equal(['A1', 'A2']);
      await writer.append('b', [newEvent('B1')], 0);
      expect(await reader.headPosition()).to.equal(3);
      expect((await reader.readStream('b')).map((e) => e.version)).to.deep.equal([1]);
      for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen.map((e) => e.position)).to.deep.equal([1, 2, 3]);
      await reader.close();
    } finally {
      await writer.close();
    }
  });

  it('leaves an incomplete write at the end for a later look, and never writes', async () => {
    const writer = await openFileEventStore({ dir });
    await writer.append('a', [newEvent('A1')], 0);
    await writer.close();
    await appendFile(join(dir, 'events.log'), '0000abcd {"batchEnd":2,"posit');
    const reader = await openFileLogReader({ dir });
    expect(await reader.headPosition()).to.equal(1);
    let error: unknown;
    await reader.append('a', [newEvent('A2')], 1).catch((e: unknown) => (error = e));
    expect(error).to.have.property('code', 'store_unavailable');
    await reader.close();
  });
});
