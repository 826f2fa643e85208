import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { PolicyRule } from '../policy/accessPolicy.js';
import type { Decider } from './decider.js';

/** The policy stream: the rules in force. Setting the same rules again records nothing. */
export type PolicyCommand = { type: 'SetAccessPolicy'; data: { rules: PolicyRule[] } };

export const policyDecider: Decider<{ rules: PolicyRule[] }, PolicyCommand> = {
  initialState: () => ({ rules: [] }),
  decide(state, command): DomainEvent[] {
    const ids = new Set<string>();
    for (const rule of command.data.rules) {
      if (ids.has(rule.id))
        throw new AppError('invalid_request', `Rule id ${rule.id} is used twice`, { ruleId: rule.id });
      ids.add(rule.id);
    }
    if (JSON.stringify(state.rules) === JSON.stringify(command.data.rules)) return [];
    return [
      {
        type: 'AccessPolicySet',
        data: { rules: command.data.rules.map((r) => ({ ...r, subjects: [...r.subjects] })) },
      },
    ];
  },
  evolve: (state, event) => (event.type === 'AccessPolicySet' ? { rules: event.data.rules } : state),
};

/** A user's account on the user stream (user-<name>), next to UserDeleted. */
export interface AccountState {
  readonly registered: boolean;
  readonly groups: readonly string[];
}

export type AccountCommand =
  | { type: 'RegisterUser'; data: { username: string; source: 'admin' | 'oidc' } }
  | { type: 'SetUserGroups'; data: { username: string; groups: string[] } }
  | { type: 'RecordSignIn'; data: { username: string; subjectHash: string; idpGroups: string[] } };

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

export const accountDecider: Decider<AccountState, AccountCommand> = {
  initialState: () => ({ registered: false, groups: [] }),
  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'RegisterUser':
        return state.registered ? [] : [{ type: 'UserRegistered', data: command.data }];
      case 'SetUserGroups': {
        const groups = [...new Set(command.data.groups)].sort();
        const register: DomainEvent[] = state.registered
          ? []
          : [{ type: 'UserRegistered', data: { username: command.data.username, source: 'admin' } }];
        return sameSet(groups, state.groups) && state.registered
          ? []
          : [...register, { type: 'UserGroupsSet', data: { username: command.data.username, groups } }];
      }
      case 'RecordSignIn': {
        const register: DomainEvent[] = state.registered
          ? []
          : [{ type: 'UserRegistered', data: { username: command.data.username, source: 'oidc' } }];
        return [
          ...register,
          {
            type: 'UserSignedIn',
            data: { ...command.data, idpGroups: [...new Set(command.data.idpGroups)].sort() },
          },
        ];
      }
    }
  },
  evolve(state, event): AccountState {
    switch (event.type) {
      case 'UserRegistered':
        return { ...state, registered: true };
      case 'UserGroupsSet':
        return { ...state, groups: event.data.groups };
      case 'UserDeleted':
        return { registered: false, groups: [] };
      default:
        return state;
    }
  },
};
