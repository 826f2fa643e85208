import { handleCommand, type CommandMetadata } from '../../commands/commandHandler.js';
import { sessionDecider, type SessionCommand } from '../../commands/sessionDecider.js';
import type { EventStore } from '../../events/eventStore.js';
import { sessionStreamId } from '../../events/sessionEvents.js';
import type { Logger } from '../../logger.js';
import type { ReadModels } from '../../projections/readModels.js';
import { sessionFor, type PersistedSession } from '../../projections/sessionsProjection.js';

export interface SessionRef {
  readonly serverId: string;
  readonly serverName: string;
  /** SHARED_CONNECTION or the username of a per-user connection. */
  readonly connection: string;
}

/** Persists remote MCP session ids as SessionIdChanged events and reads them back from the read model. */
export class SessionRecorder {
  constructor(
    private readonly store: EventStore,
    private readonly readModels: () => ReadModels,
    private readonly metadata: () => CommandMetadata,
    private readonly logger: Logger,
  ) {}

  load(ref: SessionRef): PersistedSession | undefined {
    return sessionFor(this.readModels().sessions, ref.serverId, ref.connection);
  }

  record(
    ref: SessionRef,
    url: string,
    sessionId: string,
    protocolVersion: string | undefined,
  ): Promise<void> {
    return this.run(ref, { type: 'RecordSession', data: { ...ref, url, sessionId, protocolVersion } });
  }

  clear(ref: SessionRef, url: string, sessionId: string): Promise<void> {
    return this.run(ref, { type: 'ClearSession', data: { ...ref, url, sessionId } });
  }

  private async run(ref: SessionRef, command: SessionCommand): Promise<void> {
    try {
      await handleCommand(
        this.store,
        sessionStreamId(ref.serverId, ref.connection),
        sessionDecider,
        command,
        this.metadata(),
      );
    } catch (error) {
      // Losing a session record costs one re-initialize later; it must not fail the call at hand.
      this.logger.error('persisting the MCP session id failed', {
        serverName: ref.serverName,
        connection: ref.connection,
        error,
      });
    }
  }
}
