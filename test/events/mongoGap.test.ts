import { expect } from 'chai';
import type { Document } from 'bson';
import type { RecordedEvent } from '../../src/events/eventStore.js';
import {
  startMongoWireServer,
  type CommandInfo,
  type MongoWireServer,
} from '../support/mongoWire/mongoWireServer.js';
import { openTestMongoStore, testDbName, type OpenedMongoStore } from '../support/mongoTestStore.js';
import { newEvent } from './eventStoreContract.js';

/**
 * The gap problem: positions allocated by one writer must not be skipped by a reader that sees a
 * later position first. These tests hold one instance's append open at the wire level (before its
 * insert, or between its insert and its commit) while other instances append, and check that a
 * tailing reader on a third instance sees exactly the final log, in order, each event once.
 */

interface Gate {
  readonly reached: Promise<void>;
  release(): void;
}

const openGates: Array<() => void> = [];

function gate(): Gate & { arrive(): void; wait: Promise<void> } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const wait = new Promise<void>((r) => (release = r));
  openGates.push(release);
  return { reached, release, arrive, wait };
}

const isInsertOf = (info: CommandInfo, streamId: string): boolean =>
  info.name === 'insert' &&
  info.command.insert === 'events' &&
  (info.command.documents as Document[])[0]?.streamId === streamId;

const isCommitOf = (info: CommandInfo, claimId: string | undefined): boolean => {
  const update = (info.command.updates as Document[] | undefined)?.[0];
  return (
    info.name === 'update' &&
    info.command.update === 'events_head' &&
    claimId !== undefined &&
    (update?.q as Document | undefined)?.['claim.id'] === claimId &&
    (update?.u as Document | undefined)?.$set?.position !== undefined
  );
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('MongoDB event store: the gap problem', () => {
  let wire: MongoWireServer;
  let dbName: string;
  let a: OpenedMongoStore;
  let b: OpenedMongoStore;
  let reader: OpenedMongoStore;
  let seen: RecordedEvent[];

  beforeEach(async () => {
    wire = await startMongoWireServer();
    dbName = testDbName();
    const target = { url: wire.url, kind: 'wire test server' as const, wire, close: async () => undefined };
    a = await openTestMongoStore(target, dbName, { leaseMs: 150 });
    b = await openTestMongoStore(target, dbName, { leaseMs: 150 });
    reader = await openTestMongoStore(target, dbName, { pollMs: 5 });
    seen = [];
    reader.store.subscribe((e) => seen.push(e));
    await a.store.append('before', [newEvent('Before')], 0);
  });
  afterEach(async () => {
    wire.setHook(undefined);
    for (const release of openGates.splice(0)) release();
    for (const s of [a, b, reader]) await s.store.close();
    for (const s of [a, b, reader]) await s.client.close();
    await wire.close();
  });

  /** The tail delivered exactly the committed log: same positions and events, in order, once each. */
  async function expectReaderSawExactlyTheLog(): Promise<RecordedEvent[]> {
    const log = await reader.store.readAll(1);
    await until(() => seen.length >= log.length, 'the tail to catch up');
    expect(seen.map((e) => [e.position, e.metadata.eventId])).to.deep.equal(
      log.map((e) => [e.position, e.metadata.eventId]),
    );
    const ids = log.map((e) => e.metadata.eventId);
    expect(new Set(ids).size).to.equal(ids.length);
    return log;
  }

  it('makes later appends wait for a held one, so no reader ever sees a later position first', async () => {
    const held = gate();
    wire.setHook(async (info) => {
      if (isInsertOf(info, 'slow')) {
        held.arrive();
        await held.wait;
      }
    });
    const slow = a.store.append('slow', [newEvent('Slow')], 0);
    await held.reached;
    const later = Promise.all([
      b.store.append('fast-1', [newEvent('Fast1')], 0),
      b.store.append('fast-2', [newEvent('Fast2')], 0),
    ]);
    await sleep(60); // well inside the lease: the held writer is slow, not dead
    expect(await reader.store.headPosition()).to.equal(1);
    expect(seen.map((e) => e.type)).to.deep.equal(['Before']);
    held.release();
    expect((await slow).lastPosition).to.equal(2);
    await later;
    const log = await expectReaderSawExactlyTheLog();
    expect(log.map((e) => e.type)).to.deep.equal(['Before', 'Slow', 'Fast1', 'Fast2']);
  });

  it('seals the range of a writer stalled before its insert; its late insert fails and it retries after', async () => {
    const held = gate();
    wire.setHook(async (info) => {
      if (isInsertOf(info, 'stalled')) {
        wire.setHook(undefined);
        held.arrive();
        await held.wait;
      }
    });
    const stalled = a.store.append('stalled', [newEvent('Stalled')], 0);
    await held.reached;
    // B waits out the lease, takes the claim over, seals position 2 as a hole and commits after it.
    await b.store.append('fast', [newEvent('Fast')], 0);
    expect(await b.store.readStream('fast')).to.have.length(1);
    held.release();
    const result = await stalled;
    const log = await expectReaderSawExactlyTheLog();
    expect(log.map((e) => [e.position, e.type])).to.deep.equal([
      [1, 'Before'],
      [3, 'Fast'],
      [4, 'Stalled'],
    ]);
    expect(result).to.deep.equal({ nextVersion: 1, lastPosition: 4 });
    expect(wire.documents(dbName, 'events').find((d) => d._id === 2)).to.include({ hole: true });
  });

  it(
    'seals the events of a writer stalled between insert and commit; ' +
      'readers never see them at that position',
    async () => {
      const held = gate();
      let claimId: string | undefined;
      wire.setHook(async (info) => {
        if (isInsertOf(info, 'stalled')) claimId = String((info.command.documents as Document[])[0]?.batch);
        if (isCommitOf(info, claimId)) {
          wire.setHook(undefined);
          held.arrive();
          await held.wait;
        }
      });
      const stalled = a.store.append('stalled', [newEvent('Stalled1'), newEvent('Stalled2')], 0);
      await held.reached;
      // The stalled events are in the collection but past the committed head: invisible.
      expect(wire.documents(dbName, 'events').filter((d) => d.streamId === 'stalled')).to.have.length(2);
      expect(await reader.store.readStream('stalled')).to.deep.equal([]);
      await b.store.append('fast', [newEvent('Fast')], 0);
      held.release();
      await stalled;
      const log = await expectReaderSawExactlyTheLog();
      expect(log.map((e) => [e.position, e.type])).to.deep.equal([
        [1, 'Before'],
        [4, 'Fast'],
        [5, 'Stalled1'],
        [6, 'Stalled2'],
      ]);
      expect(
        wire
          .documents(dbName, 'events')
          .filter((d) => d.hole === true)
          .map((d) => d._id),
      ).to.deep.equal([2, 3]);
    },
  );

  it('a crashed writer (claim never committed) costs later writers one lease, not their events', async () => {
    wire.setHook(async (info) => {
      if (isInsertOf(info, 'crashed')) await new Promise(() => undefined); // never answers: the writer is gone
    });
    void a.store.append('crashed', [newEvent('Lost')], 0).catch(() => undefined);
    await until(() => wire.received.has('insert'), 'the crashed insert');
    await Promise.all([1, 2, 3].map((i) => b.store.append(`after-${i}`, [newEvent(`After${i}`)], 0)));
    await reader.store.append('reader', [newEvent('FromReader')], 0);
    const log = await expectReaderSawExactlyTheLog();
    expect(log.map((e) => e.type)).to.deep.equal(['Before', 'After1', 'After2', 'After3', 'FromReader']);
    a.client.close(true).catch(() => undefined);
  });

  it('never skips or repeats an event while two instances append concurrently with jittered latency', async () => {
    wire.setHook(async (info) => {
      if (info.name === 'insert' || info.name === 'update' || info.name === 'find')
        await sleep(Math.random() * 3);
    });
    const appends = [];
    for (let i = 0; i < 40; i++) {
      const store = i % 2 === 0 ? a.store : b.store;
      appends.push(store.append(`s-${i % 7}`, [newEvent(`E${i}`), newEvent(`E${i}b`)], 'any'));
    }
    await Promise.all(appends);
    const log = await expectReaderSawExactlyTheLog();
    expect(log).to.have.length(81);
    // Every event exactly once, in position order. Positions may jump: on a loaded machine a 150 ms lease can
    // expire under a slow writer, whose range is then sealed as a hole by design (the tests above cover that).
    const positions = log.map((e) => e.position);
    expect(positions).to.deep.equal([...positions].sort((x, y) => x - y));
    expect(new Set(positions).size).to.equal(81);
    expect(new Set(log.map((e) => e.type)).size).to.equal(81);
    for (let s = 0; s < 7; s++) {
      const stream = await reader.store.readStream(`s-${s}`);
      expect(stream.map((e) => e.version)).to.deep.equal(
        Array.from({ length: stream.length }, (_, i) => i + 1),
      );
    }
  });
});
