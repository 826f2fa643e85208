import type { DomainEvent } from '../events/domainEvents.js';
import { MAX_SESSION_SUBSCRIPTIONS, type McpSessionOpenedData } from '../events/mcpSessionEvents.js';

/** A resource a session subscribed to: the server and that server's own URI. */
export interface SessionSubscription {
  readonly server: string;
  readonly uri: string;
}

/** An open /mcp session as every instance sees it. Times are the events' ISO timestamps in ms. */
export interface McpSessionRecord extends McpSessionOpenedData {
  readonly openedAtMs: number;
  /** Last recorded use; equal to openedAtMs for a session nobody used after `initialize`. */
  lastActiveAtMs: number;
  /** Its resource subscriptions, oldest first (a rebuilt session subscribes upstream again). */
  subscriptions: SessionSubscription[];
}

/** sessionKey → open session. Closed sessions are dropped: their key answers 404 from then on. */
export type McpSessionsModel = Map<string, McpSessionRecord>;

export const initialMcpSessions = (): McpSessionsModel => new Map();

export function evolveMcpSessions(
  model: McpSessionsModel,
  event: DomainEvent,
  occurredAt: string,
): McpSessionsModel {
  switch (event.type) {
    case 'McpSessionOpened': {
      const at = Date.parse(occurredAt);
      model.set(event.data.sessionKey, {
        ...event.data,
        openedAtMs: at,
        lastActiveAtMs: at,
        subscriptions: [],
      });
      return model;
    }
    case 'McpSessionSubscribed': {
      const record = model.get(event.data.sessionKey);
      const { server, uri } = event.data;
      const held = record?.subscriptions.some((s) => s.server === server && s.uri === uri) ?? true;
      if (record && !held && record.subscriptions.length < MAX_SESSION_SUBSCRIPTIONS)
        record.subscriptions.push({ server, uri });
      return model;
    }
    case 'McpSessionUnsubscribed': {
      const record = model.get(event.data.sessionKey);
      const { server, uri } = event.data;
      if (record)
        record.subscriptions = record.subscriptions.filter((s) => s.server !== server || s.uri !== uri);
      return model;
    }
    case 'McpSessionActive': {
      const record = model.get(event.data.sessionKey);
      if (record) record.lastActiveAtMs = Math.max(record.lastActiveAtMs, Date.parse(occurredAt));
      return model;
    }
    case 'McpSessionClosed':
      model.delete(event.data.sessionKey);
      return model;
    case 'UserDeleted':
      for (const [key, record] of model) if (record.username === event.data.username) model.delete(key);
      return model;
    default:
      return model;
  }
}

export const mcpSessionFor = (model: McpSessionsModel, key: string): McpSessionRecord | undefined =>
  model.get(key);

export const mcpSessionsOf = (model: McpSessionsModel, username: string): McpSessionRecord[] =>
  [...model.values()].filter((r) => r.username === username);
