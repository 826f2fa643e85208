/** What the commandHandler tests share: a server and a secret command, fixed metadata, and racy event stores. */
import type { CommandMetadata } from '../../src/commands/commandHandler.js';
import type { SecretCommand } from '../../src/commands/secretDecider.js';
import type { ServerCommand } from '../../src/commands/serverDecider.js';
import { ConcurrencyError, type EventStore, type NewEvent } from '../../src/events/eventStore.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';

export const config: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: ['server.js'], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const sealed: Sealed = {
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: 'Y2lwaGVy',
};
export const register: Extract<ServerCommand, { type: 'RegisterServer' }> = {
  type: 'RegisterServer',
  data: { serverId: 'srv-0001', name: 'alpha', config, enabled: true },
};
export const setSecret = (secretName: string): SecretCommand => ({
  type: 'SetSecret',
  data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName, sealed },
});
export const SECRET_STREAM = 'secrets-srv-0001-ann';

export function metadata(extra: Partial<CommandMetadata> = {}): CommandMetadata {
  let n = 0;
  return { now: new Date('2030-01-02T03:04:05.678Z'), newId: () => `evt-${++n}`, ...extra };
}

/** Counts appends and the conflicts they raised, so a test can see that a retry really happened. */
export function counting(store: EventStore): { store: EventStore; appends: number; conflicts: number } {
  const stats = { store, appends: 0, conflicts: 0 };
  stats.store = {
    ...store,
    append: async (streamId, events, expected) => {
      stats.appends++;
      try {
        return await store.append(streamId, events, expected);
      } catch (e) {
        if (e instanceof ConcurrencyError) stats.conflicts++;
        throw e;
      }
    },
  };
  return stats;
}

/** Appends a foreign event to the stream right before the handler's first real append: a lost race. */
export function withInterloper(store: EventStore, foreign: NewEvent): EventStore {
  let injected = false;
  return {
    ...store,
    append: async (streamId, events, expected) => {
      if (!injected) {
        injected = true;
        await store.append(streamId, [foreign], 'any');
      }
      return store.append(streamId, events, expected);
    },
  };
}

export const foreignSecretSet: NewEvent = {
  type: 'SecretSet',
  data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName: 'FOREIGN', sealed },
  metadata: { eventId: 'foreign-1', occurredAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
};
