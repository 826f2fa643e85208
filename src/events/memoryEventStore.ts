import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { EventStore } from './eventStore.js';
import { assertExpectedVersion, assertStreamId, recordEvents } from './recordEvents.js';
import { createStreamIndex } from './streamIndex.js';

/** An event store that lives and dies with the process; for tests and throwaway runs. */
export function createMemoryEventStore(options: { logger?: Logger } = {}): EventStore {
  const index = createStreamIndex();
  const feed = createEventFeed(options.logger);
  let closed = false;

  return {
    async append(streamId, events, expected) {
      if (closed) throw new AppError('store_unavailable', 'Event store is closed');
      assertStreamId(streamId);
      const version = index.version(streamId);
      assertExpectedVersion(streamId, expected, version);
      if (events.length === 0) return { nextVersion: version, lastPosition: index.lastPosition(streamId) };
      const recorded = recordEvents(streamId, events, version + 1, index.head() + 1).map((r) => r.event);
      for (const event of recorded) index.add(event);
      const result = { nextVersion: version + recorded.length, lastPosition: index.head() };
      feed.publish(recorded);
      return result;
    },
    readStream: async (streamId) => index.readStream(streamId),
    readAll: async (fromPosition, limit) => index.readAll(fromPosition, limit),
    headPosition: async () => index.head(),
    subscribe: (listener) => feed.subscribe(listener),
    async close() {
      closed = true;
      feed.clear();
    },
  };
}
