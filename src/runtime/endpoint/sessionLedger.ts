import { handleCommand, type CommandMetadata } from '../../commands/commandHandler.js';
import { mcpSessionDecider, type McpSessionCommand } from '../../commands/mcpSessionDecider.js';
import { parseEvent } from '../../events/domainEvents.js';
import type { EventStore } from '../../events/eventStore.js';
import {
  mcpSessionStreamId,
  type McpSessionClosedData,
  type McpSessionOpenedData,
} from '../../events/mcpSessionEvents.js';
import type { Logger } from '../../logger.js';
import {
  evolveMcpSessions,
  mcpSessionsOf,
  type McpSessionRecord,
  type SessionSubscription,
} from '../../projections/mcpSessionsProjection.js';
import type { ReadModels } from '../../projections/readModels.js';

/** The shared record of legacy /mcp sessions: what every instance on the store knows about them. */
export interface SessionLedger {
  /** The read model first; a key it does not know yet (another instance just opened it) is read from its stream. */
  find(key: string): Promise<McpSessionRecord | undefined>;
  /** Whether the read model still holds the session open (another instance may have closed it). */
  isOpen(key: string): boolean;
  ofUser(username: string): McpSessionRecord[];
  all(): McpSessionRecord[];
  open(data: McpSessionOpenedData): Promise<void>;
  markActive(key: string): Promise<void>;
  close(key: string, reason: McpSessionClosedData['reason']): Promise<void>;
  /** The session subscribed to a resource (`held`) or ended that; resolves once it is recorded (or failed). */
  recordSubscription(key: string, subscription: SessionSubscription, held: boolean): Promise<void>;
}

export interface StoreSessionLedgerDeps {
  readonly store: EventStore;
  readonly readModels: () => ReadModels;
  readonly metadata: () => CommandMetadata;
  /** Resolves once the read models include this position (so the next request here sees the write). */
  readonly caughtUp: (position: number) => Promise<void>;
  readonly logger: Logger;
}

export function storeSessionLedger(deps: StoreSessionLedgerDeps): SessionLedger {
  const run = async (key: string, command: McpSessionCommand): Promise<void> => {
    const result = await handleCommand(
      deps.store,
      mcpSessionStreamId(key),
      mcpSessionDecider,
      command,
      deps.metadata(),
    );
    if (result.position > 0) await deps.caughtUp(result.position);
  };
  /** Marks, closes and subscriptions are housekeeping: a failed write costs a later retry, never the request. */
  const quietly = async (key: string, command: McpSessionCommand): Promise<void> => {
    try {
      await run(key, command);
    } catch (error) {
      deps.logger.error('recording an mcp session change failed', { command: command.type, error });
    }
  };
  return {
    async find(key) {
      const known = deps.readModels().mcpSessions.get(key);
      if (known) return known;
      const folded = new Map<string, McpSessionRecord>();
      for (const recorded of await deps.store.readStream(mcpSessionStreamId(key))) {
        const event = parseEvent(recorded);
        if (event) evolveMcpSessions(folded, event, recorded.metadata.occurredAt);
      }
      return folded.get(key);
    },
    isOpen: (key) => deps.readModels().mcpSessions.has(key),
    ofUser: (username) => mcpSessionsOf(deps.readModels().mcpSessions, username),
    all: () => [...deps.readModels().mcpSessions.values()],
    // Opening must be durable before the client gets its session id: it is what a restart resumes.
    open: (data) => run(data.sessionKey, { type: 'OpenMcpSession', data }),
    markActive: (key) => quietly(key, { type: 'MarkMcpSessionActive', data: { sessionKey: key } }),
    close: (key, reason) => quietly(key, { type: 'CloseMcpSession', data: { sessionKey: key, reason } }),
    // A failed write costs only the subscription's renewal after a restart, never the request.
    recordSubscription: (key, { server, uri }, held) =>
      quietly(key, {
        type: held ? 'SubscribeMcpSession' : 'UnsubscribeMcpSession',
        data: { sessionKey: key, server, uri },
      }),
  };
}
