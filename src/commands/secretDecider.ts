import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { Sealed } from '../events/secretEvents.js';
import type { Decider } from './decider.js';

/** Which secret names this (server registration, user) stream currently holds. */
export interface SecretState {
  readonly names: ReadonlySet<string>;
}

interface SecretRef {
  serverId: string;
  serverName: string;
  username: string;
  secretName: string;
}

export type SecretCommand =
  { type: 'SetSecret'; data: SecretRef & { sealed: Sealed } } | { type: 'DeleteSecret'; data: SecretRef };

export const secretDecider: Decider<SecretState, SecretCommand> = {
  initialState: () => ({ names: new Set() }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'SetSecret':
        return [{ type: 'SecretSet', data: command.data }];
      case 'DeleteSecret': {
        const { secretName, serverName, username } = command.data;
        if (!state.names.has(secretName)) {
          throw new AppError(
            'secret_not_found',
            `Secret ${secretName} is not set for user ${username} on server ${serverName}`,
            {
              serverName,
              secretName,
            },
          );
        }
        return [{ type: 'SecretDeleted', data: command.data }];
      }
    }
  },

  evolve(state, event): SecretState {
    if (event.type === 'SecretSet') return { names: new Set([...state.names, event.data.secretName]) };
    if (event.type === 'SecretDeleted') {
      const names = new Set(state.names);
      names.delete(event.data.secretName);
      return { names };
    }
    return state;
  },
};
