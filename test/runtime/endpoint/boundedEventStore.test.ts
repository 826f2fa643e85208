import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { BoundedEventStore } from '../../../src/runtime/endpoint/boundedEventStore.js';

const note = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 1, progress: n },
});

async function replay(store: BoundedEventStore, after: string): Promise<{ stream: string; sent: number[] }> {
  const sent: number[] = [];
  const stream = await store.replayEventsAfter(after, {
    send: async (_id, message) => {
      sent.push((message as unknown as { params: { progress: number } }).params.progress);
    },
  });
  return { stream, sent };
}

describe('BoundedEventStore (SSE resumption for /mcp sessions)', () => {
  it('replays the events of the same stream after the last one the client saw', async () => {
    const store = new BoundedEventStore();
    const first = await store.storeEvent('s1', note(1));
    await store.storeEvent('s2', note(100));
    await store.storeEvent('s1', note(2));
    await store.storeEvent('s1', note(3));
    expect(await store.getStreamIdForEventId(first)).to.equal('s1');
    expect(await replay(store, first)).to.deep.equal({ stream: 's1', sent: [2, 3] });
  });

  it('forgets the oldest events beyond its count and byte bounds, and replays nothing for a forgotten id', async () => {
    const store = new BoundedEventStore(3, 1_000_000);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i += 1) ids.push(await store.storeEvent('s', note(i)));
    expect(await replay(store, ids[0]!)).to.deep.equal({ stream: 's', sent: [] });
    expect((await replay(store, ids[2]!)).sent).to.deep.equal([4, 5]);

    const small = new BoundedEventStore(100, 200);
    const big = await small.storeEvent('s', {
      jsonrpc: '2.0',
      method: 'x',
      params: { blob: 'x'.repeat(150) },
    });
    await small.storeEvent('s', { jsonrpc: '2.0', method: 'x', params: { blob: 'y'.repeat(150) } });
    expect(await small.getStreamIdForEventId(big)).to.equal('s');
    expect(await small.getStreamIdForEventId('not-an-event-id')).to.equal(undefined);
    expect(await replay(small, 'not-an-event-id')).to.deep.equal({ stream: '', sent: [] });
  });

  it(
    'resumes the stream of an id from before a restart ' +
      'with nothing replayed, never events it did not follow',
    async () => {
      const before = new BoundedEventStore();
      const seen = await before.storeEvent('_GET_stream', note(1));
      const after = new BoundedEventStore();
      await after.storeEvent('_GET_stream', note(7));
      await after.storeEvent('_GET_stream', note(8));
      expect(await after.getStreamIdForEventId(seen)).to.equal('_GET_stream');
      expect(await replay(after, seen)).to.deep.equal({ stream: '_GET_stream', sent: [] });
    },
  );
});
