import { CURRENT_SCHEMA_VERSION, parseEvent, type DomainEvent } from '../events/domainEvents.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../events/eventStore.js';
import type { Decider } from './decider.js';
import { decisionsOf } from './decisionCache.js';

/** Who and when: supplied by the caller so deciders stay pure and tests control time and ids. */
export interface CommandMetadata {
  readonly now: Date;
  readonly newId: () => string;
  readonly actor?: string;
  readonly correlationId?: string;
}

export interface CommandResult<State> {
  readonly state: State;
  readonly events: readonly DomainEvent[];
  /** Global position of the last appended event; 0 when the command produced no event. */
  readonly position: number;
}

export interface HandleOptions {
  /** Attempts on a version conflict. Our commands are re-decidable against fresh state, so a retry is safe. */
  readonly maxAttempts?: number;
  /** Backoff between attempts; the defaults suit one gateway and several on one MongoDB. */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * Full-jitter exponential backoff: before attempt n+1 wait random() × min(maxDelayMs, baseDelayMs × 2^(n-1)).
 * Without jitter, writers that lost one race collide again in lockstep (16 writes on one stream: 64% 409).
 * `random` and `sleep` are parameters so tests are deterministic and never wait.
 */
export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 12;
const DEFAULT_RETRY: RetryPolicy = {
  baseDelayMs: 5,
  maxDelayMs: 250,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Load stream → fold → decide → append with the expected version; retries a lost race with jittered
 * backoff. A store made with withDecisionCache skips the load and fold when it decided this stream last.
 */
export async function handleCommand<State, Command>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command>,
  command: Command,
  metadata: CommandMetadata,
  options: HandleOptions = {},
): Promise<CommandResult<State>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const cache = decisionsOf(store);
  // A cached decision is tried once: a conflict, a refusal or a no-op is decided again from the stream
  // (the cache may be behind a write it did not see; only a successful append proves it was not).
  let cached = cache?.get<State>(streamId, decider);
  for (let attempt = 1; ; attempt++) {
    const from = cached ?? (await fold(store, streamId, decider));
    const fresh = cached === undefined;
    cached = undefined;
    let events: DomainEvent[];
    try {
      events = decider.decide(from.state, command);
    } catch (e) {
      cache?.drop(streamId);
      if (fresh) throw e;
      attempt--;
      continue;
    }
    const next = events.reduce((s, e) => decider.evolve(s, e), from.state);
    if (events.length === 0) {
      if (!fresh) {
        attempt--;
        continue;
      }
      cache?.set(streamId, decider, from.version, next);
      return { state: next, events, position: 0 };
    }
    try {
      const result = await store.append(
        streamId,
        events.map((e) => envelope(e, metadata)),
        from.version,
      );
      cache?.set(streamId, decider, result.nextVersion, next);
      return { state: next, events, position: result.lastPosition };
    } catch (e) {
      cache?.drop(streamId);
      if (!(e instanceof ConcurrencyError) || attempt >= maxAttempts) throw e;
      // A stale cache is not a lost race: decide again at once.
      if (!fresh) {
        attempt--;
        continue;
      }
    }
    await retry.sleep(backoffDelay(attempt, retry));
  }
}

/** The stream read and folded: the state a command is decided against, and the version it was at. */
async function fold<State, Command>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command>,
): Promise<{ version: number; state: State }> {
  const recorded = await store.readStream(streamId);
  let state = decider.initialState();
  for (const r of recorded) {
    const event = parseEvent(r);
    if (event) state = decider.evolve(state, event);
  }
  return { version: recorded.length, state };
}

function envelope(event: DomainEvent, metadata: CommandMetadata): NewEvent {
  return {
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: {
      eventId: metadata.newId(),
      occurredAt: metadata.now.toISOString(),
      schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
      ...(metadata.actor === undefined ? {} : { actor: metadata.actor }),
      ...(metadata.correlationId === undefined ? {} : { correlationId: metadata.correlationId }),
    },
  };
}
