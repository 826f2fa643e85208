import type { DomainEvent } from '../events/domainEvents.js';

/** A pure decision model for one stream: no I/O, no clock, no randomness. */
export interface Decider<State, Command, Event extends DomainEvent = DomainEvent> {
  readonly initialState: () => State;
  /** Returns the facts the command produces, or throws a typed AppError when it is illegal. */
  decide(state: State, command: Command): Event[];
  evolve(state: State, event: DomainEvent): State;
}
