import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { Decider } from './decider.js';

type Stored = Extract<DomainEvent, { type: 'AuthServerRecordStored' }>['data'];

/** One authorization-server record (stream authserver-<model>-<key>). */
export interface AuthRecordState {
  readonly exists: boolean;
  readonly consumed: boolean;
}

export type AuthRecordCommand =
  | { type: 'StoreAuthRecord'; data: Stored }
  | { type: 'ConsumeAuthRecord'; data: { model: Stored['model']; key: string } }
  | { type: 'DestroyAuthRecord'; data: { model: Stored['model']; key: string } };

export const authRecordDecider: Decider<AuthRecordState, AuthRecordCommand> = {
  initialState: () => ({ exists: false, consumed: false }),
  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'StoreAuthRecord':
        return [{ type: 'AuthServerRecordStored', data: command.data }];
      case 'ConsumeAuthRecord':
        // Single use across instances: the second consumer of a code or refresh token loses here.
        if (!state.exists || state.consumed) throw new AppError('concurrency_conflict', 'Already used');
        return [{ type: 'AuthServerRecordConsumed', data: command.data }];
      case 'DestroyAuthRecord':
        return state.exists ? [{ type: 'AuthServerRecordDestroyed', data: command.data }] : [];
    }
  },
  evolve(state, event): AuthRecordState {
    switch (event.type) {
      case 'AuthServerRecordStored':
        return { exists: true, consumed: false };
      case 'AuthServerRecordConsumed':
        return { ...state, consumed: true };
      case 'AuthServerRecordDestroyed':
        return { exists: false, consumed: false };
      default:
        return state;
    }
  },
};

export type GrantCommand = { type: 'RevokeGrant'; data: { grantId: string } };

export const grantDecider: Decider<{ revocations: number }, GrantCommand> = {
  initialState: () => ({ revocations: 0 }),
  decide: (_state, command): DomainEvent[] => [{ type: 'AuthServerGrantRevoked', data: command.data }],
  evolve: (state, event) =>
    event.type === 'AuthServerGrantRevoked' ? { revocations: state.revocations + 1 } : state,
};
