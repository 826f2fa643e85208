import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Adapter } from 'oidc-provider';
import type { EventStore } from '../../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../../src/events/memoryEventStore.js';
import { recordAdapterFactory } from '../../../src/http/authServer/recordAdapter.js';
import { silentLogger } from '../../../src/logger.js';
import { Projector } from '../../../src/projections/projector.js';

/**
 * Two instances over one store. Instance B's projection has stopped following the live feed, as when
 * another instance's writes reach it only at its next poll: whatever B is asked, it must answer as if it
 * had seen every committed event.
 */
describe('auth server records across instances', () => {
  let store: EventStore;
  let a: (model: string) => Adapter;
  let b: (model: string) => Adapter;
  let projectors: Projector[];

  beforeEach(async () => {
    store = createMemoryEventStore();
    const sealKey = randomBytes(32);
    projectors = [new Projector(store, silentLogger()), new Projector(store, silentLogger())];
    await Promise.all(projectors.map((p) => p.start()));
    projectors[1]?.stop(); // B lags behind everything written from now on
    const adapter = (projector: Projector): ((model: string) => Adapter) =>
      recordAdapterFactory({
        store,
        projector,
        sealKey,
        metadata: () => ({ now: new Date(), newId: randomUUID }),
        clock: () => new Date(),
      });
    a = adapter(projectors[0] as Projector);
    b = adapter(projectors[1] as Projector);
  });

  afterEach(() => projectors.forEach((p) => p.stop()));

  it('finds a record another instance has just written', async () => {
    const id = randomUUID();
    await a('AccessToken').upsert(id, { accountId: 'alice', grantId: 'g1', kind: 'AccessToken' }, 600);
    expect(await b('AccessToken').find(id)).to.include({ accountId: 'alice', grantId: 'g1' });
  });

  it('finds an interaction by uid that another instance has just written', async () => {
    const id = randomUUID();
    await a('Session').upsert(id, { uid: 'u-1', accountId: 'alice', kind: 'Session' }, 600);
    expect(await b('Session').findByUid('u-1')).to.include({ accountId: 'alice' });
  });

  it('does not return a token whose grant another instance revoked after this one last looked', async () => {
    const id = randomUUID();
    const grantId = randomUUID();
    await a('AccessToken').upsert(id, { accountId: 'alice', grantId, kind: 'AccessToken' }, 600);
    // The revocation is written to the grant's stream, not the token's: the token's own stream still
    // looks alive, so only a projection that has folded everything can say it is gone.
    await a('AccessToken').revokeByGrantId?.(grantId);
    expect(await b('AccessToken').find(id)).to.equal(undefined);
  });

  it('does not return a record another instance destroyed', async () => {
    const id = randomUUID();
    await a('RefreshToken').upsert(id, { accountId: 'alice', kind: 'RefreshToken' }, 600);
    await a('RefreshToken').destroy(id);
    expect(await b('RefreshToken').find(id)).to.equal(undefined);
  });

  it('answers an unknown id with a miss', async () => {
    expect(await b('AccessToken').find(randomUUID())).to.equal(undefined);
  });
});
