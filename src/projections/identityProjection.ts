import type { DomainEvent } from '../events/domainEvents.js';
import type { PolicyRule } from '../policy/accessPolicy.js';

export interface UserView {
  readonly username: string;
  readonly source: 'admin' | 'oidc';
  readonly registeredAt: string;
  /** Set by the admin. */
  readonly groups: readonly string[];
  /** From the identity provider's groups claim at the last sign-in. */
  readonly idpGroups: readonly string[];
  readonly lastSignInAt?: string;
}

export type UsersModel = Map<string, UserView>;

/** The access policy's current rules (an object so the fold can replace them in place). */
export interface PolicyModel {
  rules: PolicyRule[];
  updatedAt?: string;
}

export const initialUsers = (): UsersModel => new Map();
export const initialPolicy = (): PolicyModel => ({ rules: [] });

const blank = (username: string, source: UserView['source'], at: string): UserView => ({
  username,
  source,
  registeredAt: at,
  groups: [],
  idpGroups: [],
});

/** Deterministic fold, in place. A deleted user's record goes; signing in again registers them anew. */
export function evolveUsers(model: UsersModel, event: DomainEvent, occurredAt: string): UsersModel {
  switch (event.type) {
    case 'UserRegistered': {
      const { username, source } = event.data;
      if (!model.has(username)) model.set(username, blank(username, source, occurredAt));
      return model;
    }
    case 'UserGroupsSet': {
      const user = model.get(event.data.username) ?? blank(event.data.username, 'admin', occurredAt);
      model.set(user.username, { ...user, groups: [...event.data.groups] });
      return model;
    }
    case 'UserSignedIn': {
      const user = model.get(event.data.username) ?? blank(event.data.username, 'oidc', occurredAt);
      model.set(user.username, { ...user, idpGroups: [...event.data.idpGroups], lastSignInAt: occurredAt });
      return model;
    }
    case 'UserDeleted':
      model.delete(event.data.username);
      return model;
    default:
      return model;
  }
}

export function evolvePolicy(model: PolicyModel, event: DomainEvent, occurredAt: string): PolicyModel {
  if (event.type !== 'AccessPolicySet') return model;
  model.rules = event.data.rules.map((r) => ({ ...r, subjects: [...r.subjects] }));
  model.updatedAt = occurredAt;
  return model;
}

/** Every group a user is in: admin-set and from the identity provider. */
export function groupsOf(model: UsersModel, username: string): string[] {
  const user = model.get(username);
  return user ? [...new Set([...user.groups, ...user.idpGroups])] : [];
}
