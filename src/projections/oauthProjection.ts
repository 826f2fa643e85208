import { evolveOAuth, initialOAuthState, type OAuthState } from '../commands/oauthDecider.js';
import type { DomainEvent } from '../events/domainEvents.js';

/** serverId → username → grant state (secret fields sealed). Never plaintext. */
export type OAuthModel = Map<string, Map<string, OAuthState>>;

export const initialOAuth = (): OAuthModel => new Map();

/** Deterministic fold, in place like evolveServers; the per-user state is the oauth decider's own. */
export function evolveOAuthModel(model: OAuthModel, event: DomainEvent): OAuthModel {
  switch (event.type) {
    case 'OAuthTokensStored':
    case 'OAuthTokensDeleted':
    case 'OAuthRefreshStarted':
    case 'OAuthRefreshFailed': {
      const { serverId, username } = event.data;
      let users = model.get(serverId);
      if (!users) model.set(serverId, (users = new Map()));
      users.set(username, evolveOAuth(users.get(username) ?? initialOAuthState(), event));
      return model;
    }
    case 'ServerRemoved':
      model.delete(event.data.serverId);
      return model;
    case 'UserDeleted':
      for (const users of model.values()) users.delete(event.data.username);
      return model;
    default:
      return model;
  }
}

/** The grant state of one user on one server registration, if tokens were ever stored. */
export function oauthFor(model: OAuthModel, serverId: string, username: string): OAuthState | undefined {
  const state = model.get(serverId)?.get(username);
  return state?.record ? state : undefined;
}
