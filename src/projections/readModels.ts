import type { DomainEvent } from '../events/domainEvents.js';
import { evolvePackages, initialPackages, type PackagesModel } from './packagesProjection.js';
import { evolveSecrets, initialSecrets, type SecretsModel } from './secretsProjection.js';
import { evolveServers, initialServers, type ServersModel } from './serversProjection.js';

/** Every read model the GET endpoints and the call path serve from. */
export interface ReadModels {
  readonly servers: ServersModel;
  readonly secrets: SecretsModel;
  readonly packages: PackagesModel;
}

export const initialReadModels = (): ReadModels => ({ servers: initialServers(), secrets: initialSecrets(), packages: initialPackages() });

export function evolveReadModels(models: ReadModels, event: DomainEvent, occurredAt: string): ReadModels {
  evolveServers(models.servers, event, occurredAt);
  evolveSecrets(models.secrets, event);
  evolvePackages(models.packages, event, occurredAt);
  return models;
}
