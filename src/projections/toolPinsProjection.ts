import type { DomainEvent } from '../events/domainEvents.js';
import { applyToolPinEvent, emptyPinState, type ToolPinState } from '../events/toolPinEvents.js';

/** Pin state per server registration (serverId): what the tool gate and the approval API read. */
export type ToolPinsModel = Map<string, ToolPinState>;

export const initialToolPins = (): ToolPinsModel => new Map();

export function evolveToolPins(model: ToolPinsModel, event: DomainEvent, occurredAt: string): ToolPinsModel {
  if (event.type === 'ServerRemoved') {
    // Its stream stays in the log (the audit); a registration under the same name gets a new serverId.
    model.delete(event.data.serverId);
    return model;
  }
  if (!event.type.startsWith('Tool')) return model;
  const data = event.data as { serverId: string; serverName: string };
  const state = model.get(data.serverId) ?? emptyPinState(data.serverName);
  if (applyToolPinEvent(state, event, occurredAt)) model.set(data.serverId, state);
  return model;
}

export const pinStateOf = (model: ToolPinsModel, serverId: string): ToolPinState | undefined =>
  model.get(serverId);
