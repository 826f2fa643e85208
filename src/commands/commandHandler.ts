import { CURRENT_SCHEMA_VERSION, parseEvent, type DomainEvent } from '../events/domainEvents.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../events/eventStore.js';
import type { Decider } from './decider.js';

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
}

/** Load stream → fold → decide → append with the expected version; retries a lost race a few times. */
export async function handleCommand<State, Command>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command>,
  command: Command,
  metadata: CommandMetadata,
  options: HandleOptions = {},
): Promise<CommandResult<State>> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamId);
    let state = decider.initialState();
    for (const r of recorded) {
      const event = parseEvent(r);
      if (event) state = decider.evolve(state, event);
    }
    const events = decider.decide(state, command);
    const next = events.reduce((s, e) => decider.evolve(s, e), state);
    if (events.length === 0) return { state: next, events, position: 0 };
    try {
      const result = await store.append(streamId, events.map((e) => envelope(e, metadata)), recorded.length);
      return { state: next, events, position: result.lastPosition };
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= maxAttempts) throw e;
    }
  }
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
