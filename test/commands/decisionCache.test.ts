import { expect } from 'chai';
import { handleCommand, type CommandMetadata } from '../../src/commands/commandHandler.js';
import { DecisionCache, withDecisionCache } from '../../src/commands/decisionCache.js';
import { secretDecider, type SecretCommand } from '../../src/commands/secretDecider.js';
import { AppError } from '../../src/errors.js';
import type { EventStore } from '../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const sealed: Sealed = {
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: 'Y2lwaGVy',
};
const ref = (secretName: string) => ({ serverId: 'srv-1', serverName: 'alpha', username: 'ann', secretName });
const set = (name: string): SecretCommand => ({ type: 'SetSecret', data: { ...ref(name), sealed } });
const del = (name: string): SecretCommand => ({ type: 'DeleteSecret', data: ref(name) });
const STREAM = 'secrets-srv-1-ann';

function metadata(): CommandMetadata {
  let n = 0;
  return { now: new Date('2030-01-02T03:04:05.678Z'), newId: () => `evt-${++n}` };
}

/** A store that counts stream reads, under a decision cache. */
function setup(): { raw: EventStore; cached: EventStore; reads: () => number } {
  const raw = createMemoryEventStore();
  let reads = 0;
  const counted: EventStore = {
    ...raw,
    readStream: (id) => {
      reads++;
      return raw.readStream(id);
    },
  };
  return { raw, cached: withDecisionCache(counted), reads: () => reads };
}

describe('handleCommand with a decision cache', () => {
  it('decides a stream it decided last without reading it again', async () => {
    const { cached, reads } = setup();
    await handleCommand(cached, STREAM, secretDecider, set('A'), metadata());
    await handleCommand(cached, STREAM, secretDecider, set('B'), metadata());
    const result = await handleCommand(cached, STREAM, secretDecider, del('A'), metadata());
    expect(reads()).to.equal(1);
    expect([...result.state.names]).to.deep.equal(['B']);
    expect((await cached.readStream(STREAM)).map((e) => e.version)).to.deep.equal([1, 2, 3]);
  });

  it('decides again from the stream when a write it did not see makes the append conflict', async () => {
    const { raw, cached } = setup();
    await handleCommand(cached, STREAM, secretDecider, set('A'), metadata());
    await handleCommand(raw, STREAM, secretDecider, del('A'), metadata());
    const err = await handleCommand(cached, STREAM, secretDecider, del('A'), metadata()).catch((e) => e);
    expect(err).to.be.instanceOf(AppError).with.property('code', 'secret_not_found');
    expect(await raw.readStream(STREAM)).to.have.length(2);
  });

  it('does not refuse a command on a stale cached state: the refusal is checked against the stream', async () => {
    const { raw, cached } = setup();
    await handleCommand(cached, STREAM, secretDecider, set('A'), metadata());
    await handleCommand(raw, STREAM, secretDecider, set('B'), metadata());
    const result = await handleCommand(cached, STREAM, secretDecider, del('B'), metadata());
    expect([...result.state.names]).to.deep.equal(['A']);
    expect((await raw.readStream(STREAM)).map((e) => e.type)).to.deep.equal([
      'SecretSet',
      'SecretSet',
      'SecretDeleted',
    ]);
  });

  it('keeps concurrent commands on one stream correct (one loses the race and is decided again)', async () => {
    const { cached } = setup();
    await handleCommand(cached, STREAM, secretDecider, set('A'), metadata());
    await Promise.all(
      ['B', 'C', 'D'].map((n) => handleCommand(cached, STREAM, secretDecider, set(n), metadata())),
    );
    const versions = (await cached.readStream(STREAM)).map((e) => e.version);
    expect(versions).to.deep.equal([1, 2, 3, 4]);
  });
});

describe('DecisionCache', () => {
  it('forgets the least recently used stream past its bound', () => {
    const cache = new DecisionCache(2);
    const decider = {};
    cache.set('a', decider, 1, 'A');
    cache.set('b', decider, 1, 'B');
    cache.get('a', decider);
    cache.set('c', decider, 1, 'C');
    expect(cache.size).to.equal(2);
    expect(cache.get('b', decider)).to.equal(undefined);
    expect(cache.get('a', decider)).to.deep.equal({ version: 1, state: 'A' });
  });

  it('does not hand one decider the state another decider folded', () => {
    const cache = new DecisionCache();
    cache.set('a', secretDecider, 3, { names: new Set() });
    expect(cache.get('a', {})).to.equal(undefined);
  });
});
