import type { DomainEvent } from '../events/domainEvents.js';
import type { ServerConfig } from '../events/serverEvents.js';
import { canonicalJson } from '../events/toolHash.js';

export interface ServerView {
  readonly serverId: string;
  readonly name: string;
  readonly config: ServerConfig;
  readonly enabled: boolean;
  /**
   * Bumped by every event that should (re)start the process: registration, config change, enable.
   * The runtime restarts a server whose generation moved, which also resets its crash-loop breaker.
   */
  readonly generation: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ServersModel = Map<string, ServerView>;

export const initialServers = (): ServersModel => new Map();

/**
 * Deterministic fold. It updates the map it is given in place (and returns it) so rebuilding a
 * million events stays linear; the views themselves are replaced, never mutated.
 */
export function evolveServers(model: ServersModel, event: DomainEvent, occurredAt: string): ServersModel {
  switch (event.type) {
    case 'ServerRegistered': {
      const { serverId, name, config, enabled } = event.data;
      model.set(name, {
        serverId,
        name,
        config,
        enabled,
        generation: 1,
        createdAt: occurredAt,
        updatedAt: occurredAt,
      });
      return model;
    }
    case 'ServerUpdated':
      return patch(model, event.data.name, occurredAt, (v) => ({
        config: event.data.config,
        // Tool pinning's toolApproval is read live by the tool gate: switching it needs no restart.
        generation: sameButApproval(v.config, event.data.config) ? v.generation : v.generation + 1,
      }));
    case 'ServerEnabled':
      return patch(model, event.data.name, occurredAt, (v) => ({
        enabled: true,
        generation: v.generation + 1,
      }));
    case 'ServerDisabled':
      return patch(model, event.data.name, occurredAt, () => ({ enabled: false }));
    case 'ServerRemoved':
      model.delete(event.data.name);
      return model;
    case 'PackageUpgraded':
      // New files under an unchanged command (a venv upgraded in place): restart that registration only.
      // A remote server runs none of the package's files, so its connection and session are kept.
      if (
        event.data.version === event.data.fromVersion ||
        model.get(event.data.serverName)?.serverId !== event.data.serverId
      )
        return model;
      if (model.get(event.data.serverName)?.config.transport.transportType !== 'stdio') return model;
      return patch(model, event.data.serverName, occurredAt, (v) => ({ generation: v.generation + 1 }));
    default:
      return model;
  }
}

function patch(
  model: ServersModel,
  name: string,
  at: string,
  change: (v: ServerView) => Partial<ServerView>,
): ServersModel {
  const current = model.get(name);
  if (current) model.set(name, { ...current, ...change(current), updatedAt: at });
  return model;
}

function sameButApproval(a: ServerConfig, b: ServerConfig): boolean {
  const { toolApproval: _a, ...restA } = a;
  const { toolApproval: _b, ...restB } = b;
  return canonicalJson(restA) === canonicalJson(restB);
}
