import { expect } from 'chai';
import { handleCommand } from '../../src/commands/commandHandler.js';
import { secretDecider } from '../../src/commands/secretDecider.js';
import { serverDecider, type ServerCommand } from '../../src/commands/serverDecider.js';
import { AppError } from '../../src/errors.js';
import { ConcurrencyError, type EventStore } from '../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import {
  counting,
  foreignSecretSet,
  metadata,
  register,
  SECRET_STREAM,
  setSecret,
  withInterloper,
} from './commandHandlerFixtures.js';

describe('commandHandler: lost races and version conflicts', () => {
  it('lets two concurrent commands on one stream both succeed by retrying the loser', async () => {
    const counted = counting(createMemoryEventStore());
    const [a, b] = await Promise.all([
      handleCommand(counted.store, SECRET_STREAM, secretDecider, setSecret('A'), metadata()),
      handleCommand(counted.store, SECRET_STREAM, secretDecider, setSecret('B'), metadata()),
    ]);
    const stored = await counted.store.readStream(SECRET_STREAM);
    expect(stored.map((e) => e.version)).to.deep.equal([1, 2]);
    expect(stored.map((e) => (e.data as { secretName: string }).secretName).sort()).to.deep.equal(['A', 'B']);
    expect(counted.conflicts).to.equal(1);
    expect(counted.appends).to.equal(3);
    expect([a.position, b.position].sort()).to.deep.equal([1, 2]);
    // The retried command decided against the fresh state, so it knows both names.
    const last = a.position === 2 ? a : b;
    expect([...last.state.names].sort()).to.deep.equal(['A', 'B']);
  });

  it('re-decides a lost race against the fresh state: a second registration of one name gets 409', async () => {
    const store = createMemoryEventStore();
    const other: ServerCommand = { type: 'RegisterServer', data: { ...register.data, serverId: 'srv-0002' } };
    const results = await Promise.allSettled([
      handleCommand(store, 'server-alpha', serverDecider, register, metadata()),
      handleCommand(store, 'server-alpha', serverDecider, other, metadata()),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected']);
    const reason = (results[1] as PromiseRejectedResult).reason as AppError;
    expect(reason).to.be.instanceOf(AppError);
    expect(reason.code).to.equal('server_already_exists');
    expect(
      (await store.readStream('server-alpha')).map((e) => (e.data as { serverId: string }).serverId),
    ).to.deep.equal(['srv-0001']);
  });

  it('retries after a foreign append lands between read and append (default attempts)', async () => {
    const store = createMemoryEventStore();
    const racy = withInterloper(store, foreignSecretSet);
    const result = await handleCommand(racy, SECRET_STREAM, secretDecider, setSecret('A'), metadata());
    expect((await store.readStream(SECRET_STREAM)).map((e) => [e.version, e.metadata.eventId])).to.deep.equal(
      [
        [1, 'foreign-1'],
        [2, 'evt-2'],
      ],
    );
    expect(result.position).to.equal(2);
    expect([...result.state.names].sort()).to.deep.equal(['A', 'FOREIGN']);
  });

  it('fails with ConcurrencyError (409 concurrency_conflict) when maxAttempts is 1 and the race is lost', async () => {
    const store = createMemoryEventStore();
    const racy = withInterloper(store, foreignSecretSet);
    let caught: unknown;
    try {
      await handleCommand(racy, SECRET_STREAM, secretDecider, setSecret('A'), metadata(), { maxAttempts: 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(ConcurrencyError);
    const error = caught as ConcurrencyError;
    expect(error.code).to.equal('concurrency_conflict');
    expect(error.status).to.equal(409);
    expect(error.expected).to.equal(0);
    expect(error.actual).to.equal(1);
    expect((await store.readStream(SECRET_STREAM)).map((e) => e.metadata.eventId)).to.deep.equal([
      'foreign-1',
    ]);
  });

  it('does not retry errors other than version conflicts', async () => {
    const store = createMemoryEventStore();
    let appends = 0;
    const broken: EventStore = {
      ...store,
      append: async () => {
        appends++;
        throw new AppError('store_unavailable', 'down');
      },
    };
    let caught: unknown;
    try {
      await handleCommand(broken, SECRET_STREAM, secretDecider, setSecret('A'), metadata());
    } catch (e) {
      caught = e;
    }
    expect((caught as AppError).code).to.equal('store_unavailable');
    expect(appends).to.equal(1);
  });
});
