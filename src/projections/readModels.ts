import type { DomainEvent } from '../events/domainEvents.js';
import { evolveSecrets, initialSecrets, type SecretsModel } from './secretsProjection.js';
import { evolveServers, initialServers, type ServersModel } from './serversProjection.js';
import { evolveTokens, initialTokens, type TokensModel } from './tokensProjection.js';

/** Every read model the GET endpoints and the call path serve from. */
export interface ReadModels {
  readonly servers: ServersModel;
  readonly secrets: SecretsModel;
  readonly tokens: TokensModel;
}

export const initialReadModels = (): ReadModels => ({ servers: initialServers(), secrets: initialSecrets(), tokens: initialTokens() });

export function evolveReadModels(models: ReadModels, event: DomainEvent, occurredAt: string): ReadModels {
  evolveServers(models.servers, event, occurredAt);
  evolveSecrets(models.secrets, event);
  evolveTokens(models.tokens, event, occurredAt);
  return models;
}
