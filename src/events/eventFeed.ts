import { EventEmitter } from 'eventemitter3';
import type { Logger } from '../logger.js';
import type { EventListener, RecordedEvent } from './eventStore.js';

/** The subscribe side of a store: fans committed events out to listeners, isolating their failures. */
export interface EventFeed {
  subscribe(listener: EventListener): () => void;
  /** Call with committed, durable events in position order. */
  publish(events: readonly RecordedEvent[]): void;
  clear(): void;
}

export function createEventFeed(logger?: Logger): EventFeed {
  const emitter = new EventEmitter<{ event: [RecordedEvent] }>();
  // A listener may append; events committed meanwhile wait here so delivery stays in position order.
  const queue: RecordedEvent[] = [];
  let delivering = false;
  return {
    subscribe(listener) {
      // A throwing listener must not stop delivery to the others nor fail the append that committed.
      const guarded = (event: RecordedEvent): void => {
        try {
          listener(event);
        } catch (error) {
          logger?.error('event listener threw', { error, position: event.position, type: event.type });
        }
      };
      emitter.on('event', guarded);
      return () => {
        emitter.off('event', guarded);
      };
    },
    publish(events) {
      for (const event of events) queue.push(event);
      if (delivering) return;
      delivering = true;
      try {
        for (let i = 0; i < queue.length; i++) emitter.emit('event', queue[i] as RecordedEvent);
      } finally {
        queue.length = 0;
        delivering = false;
      }
    },
    clear() {
      emitter.removeAllListeners();
      queue.length = 0;
    },
  };
}
