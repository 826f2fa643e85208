import { expect } from 'chai';
import { backoffDelay, handleCommand, type CommandMetadata } from '../../src/commands/commandHandler.js';
import { secretDecider, type SecretCommand } from '../../src/commands/secretDecider.js';
import { serverDecider, type ServerCommand } from '../../src/commands/serverDecider.js';
import { AppError } from '../../src/errors.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';

const config: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: ['server.js'], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const sealed: Sealed = {
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: 'Y2lwaGVy',
};
const register: ServerCommand = {
  type: 'RegisterServer',
  data: { serverId: 'srv-0001', name: 'alpha', config, enabled: true },
};
const setSecret = (secretName: string): SecretCommand => ({
  type: 'SetSecret',
  data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName, sealed },
});
const SECRET_STREAM = 'secrets-srv-0001-ann';

function metadata(extra: Partial<CommandMetadata> = {}): CommandMetadata {
  let n = 0;
  return { now: new Date('2030-01-02T03:04:05.678Z'), newId: () => `evt-${++n}`, ...extra };
}

/** Counts appends and the conflicts they raised, so a test can see that a retry really happened. */
function counting(store: EventStore): { store: EventStore; appends: number; conflicts: number } {
  const stats = { store, appends: 0, conflicts: 0 };
  stats.store = {
    ...store,
    append: async (streamId, events, expected) => {
      stats.appends++;
      try {
        return await store.append(streamId, events, expected);
      } catch (e) {
        if (e instanceof ConcurrencyError) stats.conflicts++;
        throw e;
      }
    },
  };
  return stats;
}

/** Appends a foreign event to the stream right before the handler's first real append: a lost race. */
function withInterloper(store: EventStore, foreign: NewEvent): EventStore {
  let injected = false;
  return {
    ...store,
    append: async (streamId, events, expected) => {
      if (!injected) {
        injected = true;
        await store.append(streamId, [foreign], 'any');
      }
      return store.append(streamId, events, expected);
    },
  };
}

const foreignSecretSet: NewEvent = {
  type: 'SecretSet',
  data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName: 'FOREIGN', sealed },
  metadata: { eventId: 'foreign-1', occurredAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
};

describe('commandHandler', () => {
  it('appends the decided events with the envelope taken from command metadata', async () => {
    const store = createMemoryEventStore();
    const result = await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      register,
      metadata({ actor: 'ann', correlationId: 'req-42' }),
    );
    const stored = await store.readStream('server-alpha');
    expect(stored).to.have.length(1);
    expect(stored[0]).to.deep.include({
      streamId: 'server-alpha',
      version: 1,
      position: 1,
      type: 'ServerRegistered',
    });
    expect(stored[0]?.data).to.deep.equal(register.data);
    expect(stored[0]?.metadata).to.deep.equal({
      eventId: 'evt-1',
      occurredAt: '2030-01-02T03:04:05.678Z',
      schemaVersion: 1,
      actor: 'ann',
      correlationId: 'req-42',
    });
    expect(result.position).to.equal(1);
    expect(result.events).to.deep.equal([{ type: 'ServerRegistered', data: register.data }]);
    expect(result.state).to.deep.equal({
      exists: true,
      serverId: 'srv-0001',
      name: 'alpha',
      config,
      enabled: true,
    });
  });

  it('gives each event of one command its own id and leaves actor/correlationId out when not given', async () => {
    const store = createMemoryEventStore();
    await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { ...register, data: { ...register.data, enabled: false } },
      metadata(),
    );
    const update: ServerCommand = {
      type: 'UpdateServer',
      data: { name: 'alpha', patch: { timeout: 5, enabled: true } },
    };
    const result = await handleCommand(store, 'server-alpha', serverDecider, update, metadata());
    const stored = await store.readStream('server-alpha');
    expect(stored.map((e) => [e.type, e.version, e.metadata.eventId])).to.deep.equal([
      ['ServerRegistered', 1, 'evt-1'],
      ['ServerUpdated', 2, 'evt-1'],
      ['ServerEnabled', 3, 'evt-2'],
    ]);
    expect(stored[1]?.metadata).to.not.have.any.keys('actor', 'correlationId');
    expect(result.position).to.equal(3);
  });

  it('appends nothing for a command that decides no event and returns position 0', async () => {
    const store = createMemoryEventStore();
    await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { ...register, data: { ...register.data, enabled: false } },
      metadata(),
    );
    const result = await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { type: 'DisableServer', data: { name: 'alpha' } },
      metadata(),
    );
    expect(result.position).to.equal(0);
    expect(result.events).to.deep.equal([]);
    expect(result.state).to.deep.include({ exists: true, enabled: false });
    expect(await store.headPosition()).to.equal(1);
  });

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

  it('propagates the AppError of a decider that refuses and appends nothing', async () => {
    const store = createMemoryEventStore();
    let caught: unknown;
    try {
      await handleCommand(
        store,
        'server-ghost',
        serverDecider,
        { type: 'RemoveServer', data: { name: 'ghost' } },
        metadata(),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(AppError);
    expect((caught as AppError).code).to.equal('server_not_found');
    expect((caught as AppError).status).to.equal(404);
    expect(await store.headPosition()).to.equal(0);
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

  describe('retries with jittered exponential backoff', () => {
    /** A store where every append first loses a race to a foreign writer. */
    const alwaysLosing = (): EventStore => {
      const store = createMemoryEventStore();
      let n = 0;
      return {
        ...store,
        append: async (streamId, events, expected) => {
          await store.append(
            streamId,
            [{ ...foreignSecretSet, metadata: { ...foreignSecretSet.metadata, eventId: `foreign-${++n}` } }],
            'any',
          );
          return store.append(streamId, events, expected);
        },
      };
    };

    it('sleeps random × min(max, base × 2^(n-1)) between attempts, then lets the conflict through', async () => {
      const slept: number[] = [];
      const sleep = async (ms: number): Promise<void> => void slept.push(ms);
      const retry = { baseDelayMs: 10, maxDelayMs: 30, random: () => 0.5, sleep };
      let caught: unknown;
      try {
        await handleCommand(alwaysLosing(), SECRET_STREAM, secretDecider, setSecret('A'), metadata(), {
          maxAttempts: 5,
          retry,
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ConcurrencyError);
      expect(slept).to.deep.equal([5, 10, 15, 15]);
    });

    it('takes its jitter from the given source: 0 means no wait, 1 the full ceiling', () => {
      const policy = { baseDelayMs: 8, maxDelayMs: 100 };
      const delays = (random: () => number): number[] =>
        [1, 2, 3, 4, 5].map((n) => backoffDelay(n, { ...policy, random }));
      expect(delays(() => 0)).to.deep.equal([0, 0, 0, 0, 0]);
      expect(delays(() => 0.999999)).to.deep.equal([7, 15, 31, 63, 99]);
    });

    it('does not sleep when the first attempt wins', async () => {
      const slept: number[] = [];
      await handleCommand(
        createMemoryEventStore(),
        SECRET_STREAM,
        secretDecider,
        setSecret('A'),
        metadata(),
        {
          retry: { random: () => 1, sleep: async (ms) => void slept.push(ms) },
        },
      );
      expect(slept).to.deep.equal([]);
    });

    it('lets 16 concurrent commands on one stream all succeed with the default policy', async () => {
      const counted = counting(createMemoryEventStore());
      const names = Array.from({ length: 16 }, (_, i) => `S${i}`);
      const write = (name: string) =>
        handleCommand(counted.store, SECRET_STREAM, secretDecider, setSecret(name), metadata());
      await Promise.all(names.map(write));
      const stored = await counted.store.readStream(SECRET_STREAM);
      expect(stored.map((e) => (e.data as { secretName: string }).secretName).sort()).to.deep.equal(
        [...names].sort(),
      );
      expect(counted.conflicts, 'the race really happened').to.be.greaterThan(0);
    });
  });
});
