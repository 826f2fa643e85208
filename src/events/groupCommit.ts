/**
 * Serializes flushes and batches what arrives meanwhile: items enqueued while one flush is in
 * flight all go into the next one, so N concurrent writers cost one write + fsync per round, not N.
 */
export interface GroupCommit<T> {
  /** Resolves once the flush that took this item succeeded; rejects with that flush's error. */
  enqueue(item: T): Promise<void>;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
}

interface Entry<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export function createGroupCommit<T>(flush: (items: readonly T[]) => Promise<void>): GroupCommit<T> {
  let queue: Entry<T>[] = [];
  let running: Promise<void> | undefined;

  async function run(): Promise<void> {
    // Let everything issued in the same turn of the event loop (e.g. a Promise.all) join the first round.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const round = queue;
      queue = [];
      try {
        await flush(round.map((entry) => entry.item));
        for (const entry of round) entry.resolve();
      } catch (error) {
        for (const entry of round) entry.reject(error);
      }
    }
    running = undefined;
  }

  return {
    enqueue(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        running ??= run();
      });
    },
    idle: () => running ?? Promise.resolve(),
  };
}
