import type { DomainEvent } from '../events/domainEvents.js';

export interface PersistedSession {
  readonly sessionId: string;
  readonly url: string;
  readonly protocolVersion?: string | undefined;
}

/** serverId → connection (SHARED_CONNECTION or a username) → the session to resume. */
export type SessionsModel = Map<string, Map<string, PersistedSession>>;

export const initialSessions = (): SessionsModel => new Map();

export function evolveSessions(model: SessionsModel, event: DomainEvent): SessionsModel {
  switch (event.type) {
    case 'SessionIdChanged': {
      const { serverId, connection, sessionId, url, protocolVersion } = event.data;
      let connections = model.get(serverId);
      if (sessionId === null) {
        connections?.delete(connection);
        if (connections?.size === 0) model.delete(serverId);
        return model;
      }
      if (!connections) model.set(serverId, (connections = new Map()));
      connections.set(connection, {
        sessionId,
        url,
        ...(protocolVersion === undefined ? {} : { protocolVersion }),
      });
      return model;
    }
    case 'ServerRemoved':
      model.delete(event.data.serverId);
      return model;
    case 'UserDeleted':
      for (const connections of model.values()) connections.delete(event.data.username);
      return model;
    default:
      return model;
  }
}

export function sessionFor(
  model: SessionsModel,
  serverId: string,
  connection: string,
): PersistedSession | undefined {
  return model.get(serverId)?.get(connection);
}
