import type { EventStore } from '../events/eventStore.js';

/** Decorates a store so every append's latency lands in a histogram. */
export function instrumentStore(store: EventStore, observe: (seconds: number) => void): EventStore {
  const health = store.health?.bind(store);
  const stats = store.stats?.bind(store);
  return {
    ...(health ? { health } : {}),
    ...(stats ? { stats } : {}),
    async append(streamId, events, expected) {
      const started = process.hrtime.bigint();
      try {
        return await store.append(streamId, events, expected);
      } finally {
        observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    readStream: (streamId) => store.readStream(streamId),
    readAll: (from, limit) => store.readAll(from, limit),
    headPosition: () => store.headPosition(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}
