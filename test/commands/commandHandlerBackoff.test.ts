import { expect } from 'chai';
import { backoffDelay, handleCommand } from '../../src/commands/commandHandler.js';
import { secretDecider } from '../../src/commands/secretDecider.js';
import { ConcurrencyError, type EventStore } from '../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import { counting, foreignSecretSet, metadata, SECRET_STREAM, setSecret } from './commandHandlerFixtures.js';

describe('commandHandler: retries with jittered exponential backoff', () => {
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
    await handleCommand(createMemoryEventStore(), SECRET_STREAM, secretDecider, setSecret('A'), metadata(), {
      retry: { random: () => 1, sleep: async (ms) => void slept.push(ms) },
    });
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
