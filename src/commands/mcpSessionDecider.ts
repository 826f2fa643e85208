import type { DomainEvent } from '../events/domainEvents.js';
import {
  MAX_SESSION_SUBSCRIPTIONS,
  type McpSessionClosedData,
  type McpSessionOpenedData,
  type McpSessionSubscriptionData,
} from '../events/mcpSessionEvents.js';
import type { Decider } from './decider.js';

export type McpSessionStatus = 'none' | 'open' | 'closed';

export interface McpSessionState {
  readonly status: McpSessionStatus;
  /** `<server>\n<uri>` of every resource the session holds a subscription to. */
  readonly subscriptions: ReadonlySet<string>;
}

export type McpSessionCommand =
  | { type: 'OpenMcpSession'; data: McpSessionOpenedData }
  | { type: 'MarkMcpSessionActive'; data: { sessionKey: string } }
  | { type: 'CloseMcpSession'; data: McpSessionClosedData }
  | { type: 'SubscribeMcpSession'; data: McpSessionSubscriptionData }
  | { type: 'UnsubscribeMcpSession'; data: McpSessionSubscriptionData };

const subscriptionKey = (data: McpSessionSubscriptionData): string => `${data.server}\n${data.uri}`;

/**
 * One /mcp session's stream. Opening happens once (a key is never reused: a second open is a
 * no-op, never a takeover); activity, subscriptions and closing only apply to an open session, so
 * several instances racing to close or mark the same session record it once. A session holds at
 * most MAX_SESSION_SUBSCRIPTIONS subscriptions; subscribing twice or unsubscribing what it does not
 * hold records nothing.
 */
export const mcpSessionDecider: Decider<McpSessionState, McpSessionCommand> = {
  initialState: () => ({ status: 'none', subscriptions: new Set() }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'OpenMcpSession':
        return state.status === 'none' ? [{ type: 'McpSessionOpened', data: command.data }] : [];
      case 'MarkMcpSessionActive':
        return state.status === 'open' ? [{ type: 'McpSessionActive', data: command.data }] : [];
      case 'CloseMcpSession':
        return state.status === 'open' ? [{ type: 'McpSessionClosed', data: command.data }] : [];
      case 'SubscribeMcpSession': {
        const held = state.subscriptions;
        const fresh = !held.has(subscriptionKey(command.data)) && held.size < MAX_SESSION_SUBSCRIPTIONS;
        return state.status === 'open' && fresh ? [{ type: 'McpSessionSubscribed', data: command.data }] : [];
      }
      case 'UnsubscribeMcpSession':
        return state.status === 'open' && state.subscriptions.has(subscriptionKey(command.data))
          ? [{ type: 'McpSessionUnsubscribed', data: command.data }]
          : [];
    }
  },

  evolve(state, event): McpSessionState {
    switch (event.type) {
      case 'McpSessionOpened':
        return { ...state, status: 'open' };
      case 'McpSessionClosed':
        return { status: 'closed', subscriptions: new Set() };
      case 'McpSessionSubscribed':
        return { ...state, subscriptions: new Set(state.subscriptions).add(subscriptionKey(event.data)) };
      case 'McpSessionUnsubscribed': {
        const subscriptions = new Set(state.subscriptions);
        subscriptions.delete(subscriptionKey(event.data));
        return { ...state, subscriptions };
      }
      default:
        return state;
    }
  },
};
