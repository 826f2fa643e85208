import type { DomainEvent } from '../events/domainEvents.js';
import type { McpSessionClosedData, McpSessionOpenedData } from '../events/mcpSessionEvents.js';
import type { Decider } from './decider.js';

export type McpSessionStatus = 'none' | 'open' | 'closed';

export interface McpSessionState {
  readonly status: McpSessionStatus;
}

export type McpSessionCommand =
  | { type: 'OpenMcpSession'; data: McpSessionOpenedData }
  | { type: 'MarkMcpSessionActive'; data: { sessionKey: string } }
  | { type: 'CloseMcpSession'; data: McpSessionClosedData };

/**
 * One /mcp session's stream. Opening happens once (a key is never reused: a second open is a
 * no-op, never a takeover); activity and closing only apply to an open session, so several
 * instances racing to close or mark the same session record it once.
 */
export const mcpSessionDecider: Decider<McpSessionState, McpSessionCommand> = {
  initialState: () => ({ status: 'none' }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'OpenMcpSession':
        return state.status === 'none' ? [{ type: 'McpSessionOpened', data: command.data }] : [];
      case 'MarkMcpSessionActive':
        return state.status === 'open' ? [{ type: 'McpSessionActive', data: command.data }] : [];
      case 'CloseMcpSession':
        return state.status === 'open' ? [{ type: 'McpSessionClosed', data: command.data }] : [];
    }
  },

  evolve(state, event): McpSessionState {
    switch (event.type) {
      case 'McpSessionOpened':
        return { status: 'open' };
      case 'McpSessionClosed':
        return { status: 'closed' };
      default:
        return state;
    }
  },
};
