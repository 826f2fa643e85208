import type { EventStore } from '../events/eventStore.js';

interface Decided {
  readonly decider: object;
  readonly version: number;
  readonly state: unknown;
}

/**
 * The state each stream was last decided at, per stream, so a command on a long stream neither
 * re-reads nor re-folds it. Never trusted blindly: the append that follows a cached decision expects
 * the cached version, so a write this cache did not see (another instance, another decider, a CLI)
 * fails that append, the entry is dropped and the command is decided again from the stream.
 * Bounded: the least recently used streams are forgotten first.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Decided>();

  constructor(private readonly maxStreams = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  get<State>(streamId: string, decider: object): { version: number; state: State } | undefined {
    const hit = this.entries.get(streamId);
    if (!hit || hit.decider !== decider) return undefined;
    this.entries.delete(streamId);
    this.entries.set(streamId, hit);
    return { version: hit.version, state: hit.state as State };
  }

  set(streamId: string, decider: object, version: number, state: unknown): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, { decider, version, state });
    if (this.entries.size > this.maxStreams) this.entries.delete(this.entries.keys().next().value as string);
  }

  drop(streamId: string): void {
    this.entries.delete(streamId);
  }
}

/** An event store that carries a decision cache for handleCommand; every port call goes to `store`. */
export interface DecidingStore extends EventStore {
  readonly decisions: DecisionCache;
}

export function withDecisionCache(store: EventStore, cache = new DecisionCache()): DecidingStore {
  const health = store.health?.bind(store);
  const stats = store.stats?.bind(store);
  return {
    ...(health ? { health } : {}),
    ...(stats ? { stats } : {}),
    decisions: cache,
    append: (streamId, events, expected) => store.append(streamId, events, expected),
    readStream: (streamId) => store.readStream(streamId),
    readAll: (from, limit) => store.readAll(from, limit),
    headPosition: () => store.headPosition(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}

export const decisionsOf = (store: EventStore): DecisionCache | undefined =>
  (store as Partial<DecidingStore>).decisions;
