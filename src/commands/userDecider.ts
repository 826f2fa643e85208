import type { DomainEvent } from '../events/domainEvents.js';
import type { Decider } from './decider.js';

/** How many times the user was deleted (a username can come back, with new keys, after a deletion). */
export interface UserState {
  readonly deletions: number;
}

export type UserCommand = { type: 'DeleteUser'; data: { username: string } };

export const userDecider: Decider<UserState, UserCommand> = {
  initialState: () => ({ deletions: 0 }),
  // Always recorded, even for a user with nothing stored: the audit trail shows the request, and
  // projections dropping nothing is harmless.
  decide: (_state, command): DomainEvent[] => [
    { type: 'UserDeleted', data: { username: command.data.username } },
  ],
  evolve: (state, event): UserState =>
    event.type === 'UserDeleted' ? { deletions: state.deletions + 1 } : state,
};
