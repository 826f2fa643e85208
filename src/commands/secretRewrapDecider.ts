import type { DomainEvent } from '../events/domainEvents.js';
import type { Sealed } from '../events/secretEvents.js';
import type { Decider } from './decider.js';

/** The current ciphertext of each secret name on one (server registration, user) stream. */
export type SealedState = ReadonlyMap<string, Sealed>;

export interface RewrapItem {
  secretName: string;
  /** The ciphertext that was re-encrypted; the rewrap applies only if it is still the current one. */
  from: Sealed;
  to: Sealed;
}

export type RewrapCommand = {
  type: 'RewrapSecrets';
  data: { serverId: string; serverName: string; username: string; items: RewrapItem[] };
};

const same = (a: Sealed, b: Sealed): boolean =>
  a.keyVersion === b.keyVersion &&
  a.iv === b.iv &&
  a.tag === b.tag &&
  a.data === b.data &&
  a.dataKeyId === b.dataKeyId;

/**
 * Re-encryption by key rotation. An item whose secret was changed or deleted since it was read is
 * skipped (a retry after a lost race then never overwrites a newer value with an older one).
 */
export const secretRewrapDecider: Decider<SealedState, RewrapCommand> = {
  initialState: () => new Map(),

  decide(state, command): DomainEvent[] {
    const { serverId, serverName, username, items } = command.data;
    return items
      .filter((item) => {
        const current = state.get(item.secretName);
        return current !== undefined && same(current, item.from);
      })
      .map((item) => ({
        type: 'SecretRewrapped' as const,
        data: {
          serverId,
          serverName,
          username,
          secretName: item.secretName,
          sealed: item.to,
          fromKeyVersion: item.from.keyVersion,
        },
      }));
  },

  evolve(state, event): SealedState {
    if (event.type !== 'SecretSet' && event.type !== 'SecretRewrapped' && event.type !== 'SecretDeleted')
      return state;
    const next = new Map(state);
    if (event.type === 'SecretDeleted') next.delete(event.data.secretName);
    else next.set(event.data.secretName, event.data.sealed);
    return next;
  },
};
