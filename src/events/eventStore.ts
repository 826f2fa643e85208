import { AppError } from '../errors.js';

/**
 * The event store port. Three adapters implement it (memory, file, mongo) and one contract suite
 * (test/events/eventStore.contract.test.ts) runs against every one of them.
 */

/** What a decider produces: a fact, not yet stored. */
export interface NewEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
}

export interface EventMetadata {
  /** Unique id of this event (a UUID), assigned by the command handler from command metadata. */
  readonly eventId: string;
  /** ISO-8601 time the command was handled; comes from command metadata, never from a clock in a decider. */
  readonly occurredAt: string;
  /** Schema version of `data` for this event type; readers upcast older versions. */
  readonly schemaVersion: number;
  /** Who caused it (a username or "system"); informational, for auditors. */
  readonly actor?: string;
  /** Correlates the events of one HTTP request. */
  readonly correlationId?: string;
}

/** A stored event. `version` is 1-based within its stream; `position` is 1-based and global. */
export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  readonly version: number;
  readonly position: number;
}

/**
 * `number`: the stream must currently be at exactly this version (0 = the stream must not exist yet).
 * `'any'`: no check.
 */
export type ExpectedVersion = number | 'any';

export interface AppendResult {
  /** Stream version after the append. */
  readonly nextVersion: number;
  /**
   * Global position of the last appended event. For an empty append: the position of the stream's
   * last event (0 if the stream does not exist).
   */
  readonly lastPosition: number;
}

export type EventListener = (event: RecordedEvent) => void;

export interface EventStore {
  /**
   * Appends atomically: all events or none. Resolves only once the events are durable (fsync or
   * majority write). Rejects with a `ConcurrencyError` when `expected` does not match.
   * An empty `events` array is a no-op that still checks `expected`.
   */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  /** All events of one stream in version order (empty if the stream does not exist). */
  readStream(streamId: string): Promise<RecordedEvent[]>;
  /** Events with position >= fromPosition in position order, at most `limit` of them (default: all). */
  readAll(fromPosition: number, limit?: number): Promise<RecordedEvent[]>;
  /** Highest committed global position (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * Live feed of committed events, in position order, each delivered once, after it is durable.
   * Returns an unsubscribe function. Listeners must not throw; an exception is reported and swallowed.
   */
  subscribe(listener: EventListener): () => void;
  /** Whether appends can currently succeed (an adapter that knows, e.g. a full disk); absent = assume yes. */
  health?(): StoreHealth;
  /** Size of the stored log, for metrics, where the adapter knows it. */
  stats?(): StoreStats;
  close(): Promise<void>;
}

export interface StoreStats {
  readonly logBytes: number;
  readonly segments: number;
}

export interface StoreHealth {
  readonly writable: boolean;
  readonly detail: string;
}

/** A stale expected version. Maps to 409 unless the command handler retries it away. */
export class ConcurrencyError extends AppError {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly actual: number;
  constructor(streamId: string, expected: ExpectedVersion, actual: number) {
    super('concurrency_conflict', `Stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'ConcurrencyError';
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}
