import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import { ConcurrencyError, type NewEvent } from '../../src/events/eventStore.js';
import { LOCK_FILE } from '../../src/events/fileEventStore.js';
import { newEvent, rejectionOf } from './eventStoreContract.js';
import { useFileEventStoreDir } from './fileEventStoreSetup.js';

describe('file event store: appends, durability and reopening', () => {
  const files = useFileEventStoreDir();
  const { open, seed, logged } = files;

  it('persists events across close and reopen, continuing positions and versions', async () => {
    await seed();
    expect(await stat(join(files.dir, LOCK_FILE)).catch(() => undefined)).to.equal(undefined);
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
    const text = await readFile(files.logPath, 'utf8');
    expect(text.split('\n')).to.have.length(4);
    for (const line of text.trimEnd().split('\n')) {
      expect(line).to.match(
        /^[0-9a-f]{8} \{"chain":"[0-9a-f]{64}","batchEnd":\d+,"prev":(null|\[\d+,\d+,\d+\]),"position"/,
      );
    }
    expect((await stat(files.dir)).mode & 0o777).to.equal(0o700);
    expect((await stat(files.logPath)).mode & 0o777).to.equal(0o600);
  });

  it('writes nothing for a rejected append', async () => {
    const size = await seed();
    const store = await open();
    await rejectionOf(store.append('a', [newEvent('X')], 0));
    await store.close();
    expect((await stat(files.logPath)).size).to.equal(size);
  });

  it('rejects an event the log could not read back, writing nothing', async () => {
    const size = await seed();
    const store = await open();
    const bad = { ...newEvent('E'), data: undefined } as unknown as NewEvent;
    expect(await rejectionOf(store.append('a', [newEvent('Ok'), bad], 2))).to.be.instanceOf(TypeError);
    expect(await store.append('a', [newEvent('A3')], 2)).to.deep.equal({ nextVersion: 3, lastPosition: 4 });
    await store.close();
    expect((await stat(files.logPath)).size).to.be.greaterThan(size);
    const reopened = await open();
    expect((await reopened.readAll(1)).map((e) => e.type)).to.deep.equal(['A1', 'B1', 'A2', 'A3']);
    await reopened.close();
  });

  it('makes events durable before listeners see them and reports throwing listeners', async () => {
    const store = await open();
    const onDisk: boolean[] = [];
    store.subscribe((e) => onDisk.push(readFileSync(files.logPath, 'utf8').includes(e.metadata.eventId)));
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

  it('rejects appends after close and closes idempotently', async () => {
    const store = await open();
    await store.close();
    await store.close();
    const error = await rejectionOf(store.append('a', [newEvent('E')], 'any'));
    expect(error).to.be.instanceOf(AppError).and.to.include({ code: 'store_unavailable' });
  });
});
