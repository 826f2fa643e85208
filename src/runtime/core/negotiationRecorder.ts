import { handleCommand, type CommandMetadata } from '../../commands/commandHandler.js';
import { sessionDecider } from '../../commands/sessionDecider.js';
import type { EventStore } from '../../events/eventStore.js';
import { sessionStreamId } from '../../events/sessionEvents.js';
import type { Logger } from '../../logger.js';
import { negotiationFor } from '../../projections/negotiationsProjection.js';
import type { ReadModels } from '../../projections/readModels.js';
import type { Negotiation, NegotiationMemory } from './types.js';

/** Which connection of which server: SHARED_CONNECTION, or the username of a per-user connection. */
export interface UpstreamRef {
  readonly serverId: string;
  readonly serverName: string;
  readonly connection: string;
}

/** A legacy verdict is trusted this long: an upgraded server still answers initialize, so only age retires it. */
export const LEGACY_VERDICT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Persists what each upstream connection negotiated as UpstreamNegotiated events (per server, per
 * user: a discover result is never shared across principals) and hands it back on reconnect.
 */
export class NegotiationRecorder {
  constructor(
    private readonly store: EventStore,
    private readonly readModels: () => ReadModels,
    private readonly metadata: () => CommandMetadata,
    private readonly logger: Logger,
    private readonly legacyMaxAgeMs = LEGACY_VERDICT_MAX_AGE_MS,
  ) {}

  /** `target` is what the connection talks to (URL, command line hash): another target is another verdict. */
  memory(ref: UpstreamRef, target: string): NegotiationMemory {
    let latest: Negotiation | undefined;
    return {
      load: () => latest ?? this.load(ref, target),
      record: (negotiation) => {
        latest = negotiation;
        void this.record(ref, target, negotiation);
      },
    };
  }

  private load(ref: UpstreamRef, target: string): Negotiation | undefined {
    const recorded = negotiationFor(this.readModels().negotiations, ref.serverId, ref.connection);
    if (!recorded || recorded.target !== target) return undefined;
    const age = this.metadata().now.getTime() - Date.parse(recorded.recordedAt);
    if (recorded.era === 'legacy' && !(age < this.legacyMaxAgeMs)) return undefined;
    const { era, protocolVersion, discover, transport } = recorded;
    if (transport === 'stdio') return { era, protocolVersion, discover };
    return { era, protocolVersion, discover, transport };
  }

  private async record(ref: UpstreamRef, target: string, n: Negotiation): Promise<void> {
    const data = {
      ...ref,
      target,
      era: n.era,
      protocolVersion: n.protocolVersion || 'unknown',
      ...(n.discover ? { discover: n.discover } : {}),
      transport: n.transport ?? ('stdio' as const),
    };
    try {
      await handleCommand(this.store, sessionStreamId(ref.serverId, ref.connection), sessionDecider, { type: 'RecordNegotiation', data }, this.metadata());
    } catch (error) {
      // Losing it costs one probe on the next start; it must not fail the connection.
      this.logger.error('persisting the negotiated protocol version failed', { serverName: ref.serverName, connection: ref.connection, error });
    }
  }
}
