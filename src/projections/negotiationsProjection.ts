import type { DomainEvent } from '../events/domainEvents.js';
import type { UpstreamNegotiatedData } from '../events/sessionEvents.js';

export type RecordedNegotiation = Omit<UpstreamNegotiatedData, 'serverId' | 'serverName' | 'connection'> & {
  /** When it was negotiated (the event's time): legacy verdicts are trusted only for a while. */
  readonly recordedAt: string;
};

/** serverId → connection (SHARED_CONNECTION or a username) → the last negotiation of that connection. */
export type NegotiationsModel = Map<string, Map<string, RecordedNegotiation>>;

export const initialNegotiations = (): NegotiationsModel => new Map();

export function evolveNegotiations(model: NegotiationsModel, event: DomainEvent, occurredAt: string): NegotiationsModel {
  switch (event.type) {
    case 'UpstreamNegotiated': {
      const { serverId, serverName: _name, connection, ...negotiation } = event.data;
      let connections = model.get(serverId);
      if (!connections) model.set(serverId, (connections = new Map()));
      connections.set(connection, { ...negotiation, recordedAt: occurredAt });
      return model;
    }
    case 'ServerRemoved':
      model.delete(event.data.serverId);
      return model;
    default:
      return model;
  }
}

export function negotiationFor(model: NegotiationsModel, serverId: string, connection: string): RecordedNegotiation | undefined {
  return model.get(serverId)?.get(connection);
}
