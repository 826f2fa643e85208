import type { DomainEvent } from '../events/domainEvents.js';
import type { Sealed } from '../events/secretEvents.js';

/** serverId → username → secretName → ciphertext. Never plaintext. */
export type SecretsModel = Map<string, Map<string, Map<string, Sealed>>>;

export const initialSecrets = (): SecretsModel => new Map();

/** Deterministic fold, in place like evolveServers. A removed server takes its users' secrets with it. */
export function evolveSecrets(model: SecretsModel, event: DomainEvent): SecretsModel {
  switch (event.type) {
    case 'SecretSet': {
      const { serverId, username, secretName, sealed } = event.data;
      let users = model.get(serverId);
      if (!users) model.set(serverId, (users = new Map()));
      let names = users.get(username);
      if (!names) users.set(username, (names = new Map()));
      names.set(secretName, sealed);
      return model;
    }
    case 'SecretDeleted': {
      const { serverId, username, secretName } = event.data;
      const names = model.get(serverId)?.get(username);
      names?.delete(secretName);
      if (names?.size === 0) model.get(serverId)?.delete(username);
      return model;
    }
    case 'SecretRewrapped': {
      // Only re-encrypts a secret that still exists; never brings a deleted one back.
      const names = model.get(event.data.serverId)?.get(event.data.username);
      if (names?.has(event.data.secretName)) names.set(event.data.secretName, event.data.sealed);
      return model;
    }
    case 'UserDeleted':
      for (const [serverId, users] of model) {
        users.delete(event.data.username);
        if (users.size === 0) model.delete(serverId);
      }
      return model;
    case 'ServerRemoved':
      model.delete(event.data.serverId);
      return model;
    default:
      return model;
  }
}

/** How many secrets the user holds across all servers (the per-user limit counts these). */
export function secretCountFor(model: SecretsModel, username: string): number {
  let count = 0;
  for (const users of model.values()) count += users.get(username)?.size ?? 0;
  return count;
}

/** The ciphertexts one user holds for one server registration (empty map if none). */
export function secretsFor(
  model: SecretsModel,
  serverId: string,
  username: string,
): ReadonlyMap<string, Sealed> {
  return model.get(serverId)?.get(username) ?? new Map();
}
