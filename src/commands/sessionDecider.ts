import type { DomainEvent } from '../events/domainEvents.js';
import type { SessionIdChangedData, UpstreamNegotiatedData } from '../events/sessionEvents.js';
import type { Decider } from './decider.js';

export interface SessionState {
  readonly sessionId: string | null;
  readonly url?: string | undefined;
  readonly protocolVersion?: string | undefined;
}

type Ref = Pick<SessionIdChangedData, 'serverId' | 'serverName' | 'connection'>;

export type SessionCommand =
  | { type: 'RecordSession'; data: Ref & { url: string; sessionId: string; protocolVersion?: string | undefined } }
  /** Clears only the session the caller saw fail, never a newer one another instance recorded since. */
  | { type: 'ClearSession'; data: Ref & { url: string; sessionId: string } }
  /** After a probe: always recorded, so the event's time dates the verdict (legacy verdicts expire). */
  | { type: 'RecordNegotiation'; data: UpstreamNegotiatedData };

export function evolveSession(state: SessionState, event: DomainEvent): SessionState {
  if (event.type !== 'SessionIdChanged') return state;
  return { sessionId: event.data.sessionId, url: event.data.url, protocolVersion: event.data.protocolVersion };
}

export const sessionDecider: Decider<SessionState, SessionCommand> = {
  initialState: () => ({ sessionId: null }),

  decide(state, command): DomainEvent[] {
    if (command.type === 'RecordNegotiation') return [{ type: 'UpstreamNegotiated', data: command.data }];
    const { serverId, serverName, connection, url } = command.data;
    const base = { serverId, serverName, connection, url };
    if (command.type === 'RecordSession') {
      const { sessionId, protocolVersion } = command.data;
      if (state.sessionId === sessionId && state.url === url && state.protocolVersion === protocolVersion) return [];
      return [{ type: 'SessionIdChanged', data: { ...base, sessionId, ...(protocolVersion === undefined ? {} : { protocolVersion }) } }];
    }
    if (state.sessionId !== command.data.sessionId) return [];
    return [{ type: 'SessionIdChanged', data: { ...base, sessionId: null } }];
  },

  evolve: evolveSession,
};
