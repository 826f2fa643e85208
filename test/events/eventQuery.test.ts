import { expect } from 'chai';
import { queryEvents, scanEvents } from '../../src/events/eventQuery.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import type { EventStore } from '../../src/events/eventStore.js';

describe('event queries', () => {
  let store: EventStore;
  beforeEach(async () => {
    store = createMemoryEventStore();
    for (let i = 1; i <= 30; i++) {
      await store.append(
        `s${i % 3}`,
        [
          {
            type: i % 10 === 0 ? 'Rare' : 'Common',
            data: { i },
            metadata: {
              eventId: `e${i}`,
              occurredAt: new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        'any',
      );
    }
  });

  it('filters by type, stream, positions and time, inclusively', async () => {
    const positions = async (filter: Parameters<typeof queryEvents>[1]): Promise<number[]> =>
      (await queryEvents(store, filter, 100)).events.map((e) => e.position);
    expect(await positions({ types: ['Rare'] })).to.deep.equal([10, 20, 30]);
    expect(await positions({ streamId: 's0', fromPosition: 10, toPosition: 20 })).to.deep.equal([12, 15, 18]);
    expect(
      await positions({ since: '2030-01-01T00:05:00Z', until: '2030-01-01T00:07:00.000Z' }),
    ).to.deep.equal([5, 6, 7]);
    expect(await positions({ fromPosition: 29 })).to.deep.equal([29, 30]);
  });

  it(
    'stops a page at the scan budget and says where to continue, ' +
      'so rare matches never read the whole log at once',
    async () => {
      const first = await queryEvents(store, { types: ['Rare'] }, 10, 15);
      expect(first.events.map((e) => e.position)).to.deep.equal([10]);
      expect(first.nextFrom).to.equal(16);
      const second = await queryEvents(store, { types: ['Rare'], fromPosition: 16 }, 10, 15);
      expect(second.events.map((e) => e.position)).to.deep.equal([20, 30]);
      expect(second.nextFrom).to.equal(31);
      expect((await queryEvents(store, { types: ['Rare'], fromPosition: 31 }, 10, 15)).nextFrom).to.equal(
        null,
      );
    },
  );

  it('scans every match across pages', async () => {
    const all = [];
    for await (const e of scanEvents(store, { streamId: 's1' })) all.push(e.position);
    expect(all).to.deep.equal([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
  });
});
