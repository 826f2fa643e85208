import type { DomainEvent } from '../events/domainEvents.js';
import { evolveNegotiations, initialNegotiations, type NegotiationsModel } from './negotiationsProjection.js';
import { evolveOAuthModel, initialOAuth, type OAuthModel } from './oauthProjection.js';
import { evolvePackages, initialPackages, type PackagesModel } from './packagesProjection.js';
import { evolveSecrets, initialSecrets, type SecretsModel } from './secretsProjection.js';
import { evolveServers, initialServers, type ServersModel } from './serversProjection.js';
import { evolveMcpSessions, initialMcpSessions, type McpSessionsModel } from './mcpSessionsProjection.js';
import { evolveSessions, initialSessions, type SessionsModel } from './sessionsProjection.js';
import { evolveTokens, initialTokens, type TokensModel } from './tokensProjection.js';
import {
  evolvePolicy,
  evolveUsers,
  initialPolicy,
  initialUsers,
  type PolicyModel,
  type UsersModel,
} from './identityProjection.js';
import { evolveAuthServer, initialAuthServer, type AuthServerModel } from './authServerProjection.js';
import { evolveToolPins, initialToolPins, type ToolPinsModel } from './toolPinsProjection.js';

/** Every read model the GET endpoints and the call path serve from. */
export interface ReadModels {
  readonly servers: ServersModel;
  readonly secrets: SecretsModel;
  readonly oauth: OAuthModel;
  readonly sessions: SessionsModel;
  readonly negotiations: NegotiationsModel;
  readonly packages: PackagesModel;
  readonly tokens: TokensModel;
  readonly users: UsersModel;
  readonly policy: PolicyModel;
  readonly authServer: AuthServerModel;
  /** Open legacy sessions of the gateway's own /mcp endpoint. */
  readonly mcpSessions: McpSessionsModel;
  /** Tool pinning (issue 14): pinned and held tool versions per server registration. */
  readonly toolPins: ToolPinsModel;
}

export const initialReadModels = (): ReadModels => ({
  servers: initialServers(),
  secrets: initialSecrets(),
  oauth: initialOAuth(),
  sessions: initialSessions(),
  negotiations: initialNegotiations(),
  packages: initialPackages(),
  tokens: initialTokens(),
  users: initialUsers(),
  policy: initialPolicy(),
  authServer: initialAuthServer(),
  mcpSessions: initialMcpSessions(),
  toolPins: initialToolPins(),
});

export function evolveReadModels(models: ReadModels, event: DomainEvent, occurredAt: string): ReadModels {
  evolveServers(models.servers, event, occurredAt);
  evolveSecrets(models.secrets, event);
  evolveOAuthModel(models.oauth, event);
  evolveSessions(models.sessions, event);
  evolveNegotiations(models.negotiations, event, occurredAt);
  evolvePackages(models.packages, event, occurredAt);
  evolveTokens(models.tokens, event, occurredAt);
  evolveUsers(models.users, event, occurredAt);
  evolvePolicy(models.policy, event, occurredAt);
  evolveAuthServer(models.authServer, event);
  evolveMcpSessions(models.mcpSessions, event, occurredAt);
  evolveToolPins(models.toolPins, event, occurredAt);
  return models;
}
