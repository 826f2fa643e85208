import { expect } from 'chai';
import type { Document } from 'bson';
import { AppError } from '../../src/errors.js';
import { ConcurrencyError } from '../../src/events/eventStore.js';
import {
  openTestMongoStore,
  startMongoTarget,
  testDbName,
  type MongoTestTarget,
  type OpenedMongoStore,
} from '../support/mongoTestStore.js';
import { newEvent, rejectionOf } from './eventStoreContract.js';

describe('MongoDB event store specifics', () => {
  let target: MongoTestTarget;
  let a: OpenedMongoStore;
  let b: OpenedMongoStore;

  beforeEach(async () => {
    target = await startMongoTarget();
    const dbName = testDbName();
    a = await openTestMongoStore(target, dbName);
    b = await openTestMongoStore(target, dbName);
  });
  afterEach(async () => {
    await b.store.close();
    await b.client.close();
    await a.cleanup();
    await target.close();
  });

  it('stores one document per event with a unique (streamId, version) and a unique eventId', async () => {
    await a.store.append('s', [newEvent('E1', { n: 1 }), newEvent('E2')], 0);
    const docs = await a.client.db(a.dbName).collection('events').find({}).sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d._id, d.streamId, d.version, d.type])).to.deep.equal([
      [1, 's', 1, 'E1'],
      [2, 's', 2, 'E2'],
    ]);
    expect(docs[0]).to.include.keys('data', 'metadata', 'eventId', 'checksum', 'batch');
    const indexes = await a.client.db(a.dbName).collection('events').listIndexes().toArray();
    expect(indexes.filter((i) => i.unique).map((i) => [i.name, i.key])).to.deep.equal([
      ['stream_version', { streamId: 1, version: 1 }],
      ['event_id', { eventId: 1 }],
    ]);
  });

  it(
    'turns a stale expected version from another instance into a ConcurrencyError, ' +
      'never a raw duplicate key',
    async () => {
      await a.store.append('s', [newEvent('Created')], 0);
      const results = await Promise.allSettled([
        a.store.append('s', [newEvent('FromA')], 1),
        b.store.append('s', [newEvent('FromB')], 1),
      ]);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      expect(lost).to.have.length(1);
      expect(lost[0]!.reason).to.be.instanceOf(ConcurrencyError);
      expect((lost[0]!.reason as ConcurrencyError).actual).to.equal(2);
      expect((await a.store.readStream('s')).map((e) => e.version)).to.deep.equal([1, 2]);
    },
  );

  it('does not store a retried append twice (same event ids), even with a stale expected version', async () => {
    const events = [newEvent('Once'), newEvent('Twice?')];
    const first = await a.store.append('s', events, 0);
    const retried = await b.store.append('s', events, 0);
    expect(retried).to.deep.equal(first);
    expect(await a.store.readStream('s')).to.have.length(2);
    const mixed = await rejectionOf(a.store.append('s', [events[0]!, newEvent('New')], 2));
    expect(mixed).to.be.instanceOf(AppError);
    expect((mixed as AppError).code).to.equal('duplicate_event');
    expect((mixed as AppError).status).to.equal(409);
  });

  it("writes with w: 'majority' and j: true", async function () {
    if (!target.wire) this.skip();
    const concerns: Document[] = [];
    target.wire.setHook((info) => {
      if (['insert', 'update'].includes(info.name)) concerns.push(info.command.writeConcern as Document);
    });
    await a.store.append('s', [newEvent('E')], 0);
    target.wire.setHook(undefined);
    expect(concerns.length).to.be.greaterThan(1);
    for (const c of concerns) expect(c).to.deep.equal({ w: 'majority', j: true });
  });

  it('fails appends with store_unavailable, without a partial write, when the server goes away', async function () {
    if (!target.wire) this.skip();
    await a.store.append('s', [newEvent('E1')], 0);
    target.wire.setHook((info) => {
      if (info.name === 'insert') target.wire!.dropConnections();
    });
    const error = await rejectionOf(a.store.append('s', [newEvent('E2'), newEvent('E3')], 1));
    target.wire.setHook(undefined);
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).code).to.equal('store_unavailable');
    // The connection pool recovers; the failed round left nothing readable and nothing that blocks.
    expect((await b.store.readStream('s')).map((e) => e.type)).to.deep.equal(['E1']);
    expect(await b.store.append('s', [newEvent('E2')], 1)).to.include({ nextVersion: 2 });
  });
});
