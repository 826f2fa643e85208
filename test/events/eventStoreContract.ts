import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { AppError } from '../../src/errors.js';
import {
  ConcurrencyError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../src/events/eventStore.js';

export interface OpenedStore {
  store: EventStore;
  cleanup: () => Promise<void>;
}

export function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      occurredAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
      actor: 'alice',
    },
  };
}

/** The error the promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** The behaviour every EventStore adapter must share; each adapter's test file runs it once. */
export function eventStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it('appends to a new stream with expected version 0 and reads it back', async () => {
      const events = [
        newEvent('ServerRegistered', { name: 'a', n: 1 }),
        newEvent('ServerEnabled', { name: 'a' }),
      ];
      const result = await store.append('server-a', events, 0);
      expect(result).to.deep.equal({ nextVersion: 2, lastPosition: 2 });
      const stream = await store.readStream('server-a');
      expect(stream.map((e) => [e.streamId, e.version, e.position, e.type])).to.deep.equal([
        ['server-a', 1, 1, 'ServerRegistered'],
        ['server-a', 2, 2, 'ServerEnabled'],
      ]);
      expect(stream[0]?.data).to.deep.equal({ name: 'a', n: 1 });
      expect(stream[0]?.metadata).to.deep.equal(events[0]?.metadata);
    });

    it('orders readAll by global position across streams and continues versions per stream', async () => {
      await store.append('a', [newEvent('A1')], 0);
      await store.append('b', [newEvent('B1'), newEvent('B2')], 0);
      expect(await store.append('a', [newEvent('A2')], 1)).to.deep.equal({ nextVersion: 2, lastPosition: 4 });
      const all = await store.readAll(1);
      expect(all.map((e) => [e.position, e.streamId, e.version, e.type])).to.deep.equal([
        [1, 'a', 1, 'A1'],
        [2, 'b', 1, 'B1'],
        [3, 'b', 2, 'B2'],
        [4, 'a', 2, 'A2'],
      ]);
      expect((await store.readStream('a')).map((e) => e.type)).to.deep.equal(['A1', 'A2']);
      expect(await store.readStream('missing')).to.deep.equal([]);
    });

    it('rejects a wrong expected version with a ConcurrencyError and writes nothing', async () => {
      await store.append('s', [newEvent('E')], 0);
      for (const [stream, expected, actual] of [
        ['s', 0, 1],
        ['s', 2, 1],
        ['new', 1, 0],
      ] as const) {
        const error = await rejectionOf(store.append(stream, [newEvent('X')], expected));
        expect(error).to.be.instanceOf(ConcurrencyError).and.instanceOf(AppError);
        const conflict = error as ConcurrencyError;
        expect(conflict.code).to.equal('concurrency_conflict');
        expect(conflict.status).to.equal(409);
        expect([conflict.streamId, conflict.expected, conflict.actual]).to.deep.equal([
          stream,
          expected,
          actual,
        ]);
      }
      expect(await store.headPosition()).to.equal(1);
      expect(await store.readStream('new')).to.deep.equal([]);
    });

    it("skips the check with 'any'", async () => {
      expect(await store.append('s', [newEvent('E1')], 'any')).to.deep.equal({
        nextVersion: 1,
        lastPosition: 1,
      });
      expect(await store.append('s', [newEvent('E2')], 'any')).to.deep.equal({
        nextVersion: 2,
        lastPosition: 2,
      });
    });

    it('treats an empty append as a no-op that still checks the expected version', async () => {
      expect(await store.append('s', [], 0)).to.deep.equal({ nextVersion: 0, lastPosition: 0 });
      await store.append('other', [newEvent('O')], 0);
      await store.append('s', [newEvent('E1'), newEvent('E2')], 0);
      expect(await store.append('s', [], 2)).to.deep.equal({ nextVersion: 2, lastPosition: 3 });
      expect(await store.append('s', [], 'any')).to.deep.equal({ nextVersion: 2, lastPosition: 3 });
      expect(await rejectionOf(store.append('s', [], 1))).to.be.instanceOf(ConcurrencyError);
      expect(await store.headPosition()).to.equal(3);
    });

    it('lets exactly one of many concurrent appends with the same expected version win', async () => {
      await store.append('s', [newEvent('Created')], 0);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.append('s', [newEvent('Raced', { i }), newEvent('Raced2', { i })], 1),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost).to.have.length(19);
      for (const r of lost) expect(r.reason).to.be.instanceOf(ConcurrencyError);
      const stream = await store.readStream('s');
      expect(stream.map((e) => e.version)).to.deep.equal([1, 2, 3]);
      expect(stream[1]?.data).to.deep.equal(stream[2]?.data);
      expect(await store.headPosition()).to.equal(3);
    });

    it('gives concurrent appends to many streams contiguous, unique positions', async () => {
      const streams = Array.from({ length: 30 }, (_, i) => `stream-${i}`);
      const results = await Promise.all(
        streams.flatMap((s) => [
          store.append(s, [newEvent('First'), newEvent('Second')], 0),
          store.append(s, [newEvent('Third')], 'any'),
        ]),
      );
      const all = await store.readAll(1);
      expect(all.map((e) => e.position)).to.deep.equal(Array.from({ length: 90 }, (_, i) => i + 1));
      expect(new Set(results.map((r) => r.lastPosition)).size).to.equal(60);
      for (const s of streams) {
        const stream = await store.readStream(s);
        expect(stream.map((e) => [e.version, e.type])).to.deep.equal([
          [1, 'First'],
          [2, 'Second'],
          [3, 'Third'],
        ]);
      }
      expect(await store.headPosition()).to.equal(90);
    });

    it('delivers each committed event once, in order, to subscribers until they unsubscribe', async () => {
      const seen: RecordedEvent[] = [];
      const alsoSeen: number[] = [];
      const unsubscribe = store.subscribe((e) => seen.push(e));
      store.subscribe(() => {
        throw new Error('a broken listener');
      });
      store.subscribe((e) => alsoSeen.push(e.position));
      await Promise.all([
        store.append('a', [newEvent('A1'), newEvent('A2')], 0),
        store.append('b', [newEvent('B1')], 0),
        store.append('a', [newEvent('lost')], 0).catch(() => undefined),
      ]);
      await store.append('c', [newEvent('C1')], 0);
      expect(seen.map((e) => e.position)).to.deep.equal([1, 2, 3, 4]);
      expect(seen.map((e) => e.type)).to.deep.equal((await store.readAll(1)).map((e) => e.type));
      unsubscribe();
      unsubscribe();
      await store.append('c', [newEvent('C2')], 1);
      expect(seen).to.have.length(4);
      expect(alsoSeen).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('pages readAll with fromPosition and limit', async () => {
      for (let i = 0; i < 5; i++) await store.append(`s${i % 2}`, [newEvent(`E${i + 1}`)], 'any');
      const positions = async (from: number, limit?: number): Promise<number[]> =>
        (await store.readAll(from, limit)).map((e) => e.position);
      expect(await positions(0)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(await positions(3)).to.deep.equal([3, 4, 5]);
      expect(await positions(2, 2)).to.deep.equal([2, 3]);
      expect(await positions(4, 10)).to.deep.equal([4, 5]);
      expect(await positions(6)).to.deep.equal([]);
      expect(await positions(1, 0)).to.deep.equal([]);
    });

    it('reports the head position', async () => {
      expect(await store.headPosition()).to.equal(0);
      await store.append('s', [newEvent('E1'), newEvent('E2'), newEvent('E3')], 0);
      expect(await store.headPosition()).to.equal(3);
    });

    it('does not let callers change stored events through inputs or returned objects', async () => {
      const input = newEvent('E', { list: [1], nested: { a: 1 } });
      await store.append('s', [input], 0);
      (input.data['nested'] as Record<string, unknown>)['a'] = 2;
      const [read] = await store.readAll(1);
      try {
        (read?.data['list'] as number[]).push(2);
        (read?.data as Record<string, unknown>)['extra'] = true;
      } catch {
        // Frozen objects throw in strict mode; copies do not. Either way the store must be unchanged.
      }
      expect((await store.readStream('s'))[0]?.data).to.deep.equal({ list: [1], nested: { a: 1 } });
    });

    it('rejects appends after close', async () => {
      await store.close();
      expect(await rejectionOf(store.append('s', [newEvent('E')], 'any'))).to.be.instanceOf(Error);
    });
  });
}
