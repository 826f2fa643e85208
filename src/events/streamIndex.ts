import type { RecordedEvent } from './eventStore.js';

/**
 * The committed events of a store, held in memory: by global position and by stream. Events are
 * frozen by `recordEvents`, so handing out references is safe; arrays are always fresh copies.
 */
export interface StreamIndex {
  /** Adds the next committed event; throws if it would break position or version contiguity. */
  add(event: RecordedEvent): void;
  version(streamId: string): number;
  /** Position of the stream's last event, 0 if the stream does not exist. */
  lastPosition(streamId: string): number;
  head(): number;
  readStream(streamId: string): RecordedEvent[];
  readAll(fromPosition: number, limit?: number): RecordedEvent[];
}

export function createStreamIndex(): StreamIndex {
  const all: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();

  return {
    add(event) {
      const stream = streams.get(event.streamId);
      const version = stream?.length ?? 0;
      if (event.position !== all.length + 1 || event.version !== version + 1) {
        throw new Error(
          `Event out of sequence: position ${event.position} (expected ${all.length + 1}), ` +
            `version ${event.version} of ${event.streamId} (expected ${version + 1})`,
        );
      }
      all.push(event);
      if (stream) stream.push(event);
      else streams.set(event.streamId, [event]);
    },
    version: (streamId) => streams.get(streamId)?.length ?? 0,
    lastPosition: (streamId) => streams.get(streamId)?.at(-1)?.position ?? 0,
    head: () => all.length,
    readStream: (streamId) => streams.get(streamId)?.slice() ?? [],
    readAll(fromPosition, limit) {
      if (Number.isNaN(fromPosition)) throw new TypeError('fromPosition must be a number');
      // Positions are contiguous from 1, so position p lives at index p - 1.
      const start = Math.max(0, Math.ceil(fromPosition) - 1);
      const end = limit === undefined ? all.length : start + Math.max(0, Math.floor(limit));
      return all.slice(start, end);
    },
  };
}
