import { parseEvent } from '../events/domainEvents.js';
import type { EventStore } from '../events/eventStore.js';
import type { Sealed } from '../events/secretEvents.js';
import { evolveReadModels, initialReadModels, type ReadModels } from '../projections/readModels.js';

/** Folds the whole store into fresh read models (the CLI runs without a projector). */
export async function foldStore(
  store: EventStore,
  models: ReadModels = initialReadModels(),
  from = 1,
): Promise<{ models: ReadModels; position: number }> {
  let position = from - 1;
  for (;;) {
    const page = await store.readAll(position + 1, 5000);
    for (const recorded of page) {
      const event = parseEvent(recorded);
      if (event) evolveReadModels(models, event, recorded.metadata.occurredAt);
      position = recorded.position;
    }
    if (page.length < 5000) return { models, position };
  }
}

/** A live (current, not superseded) sealed record: what rotation has to re-encrypt. */
export interface SealedRecord {
  readonly serverId: string;
  readonly serverName: string;
  readonly username: string;
  readonly secretName: string;
  readonly sealed: Sealed;
}

export function liveRecords(models: ReadModels): SealedRecord[] {
  const names = new Map([...models.servers.values()].map((v) => [v.serverId, v.name]));
  const out: SealedRecord[] = [];
  for (const [serverId, users] of models.secrets) {
    const serverName = names.get(serverId);
    if (serverName === undefined) continue;
    for (const [username, secrets] of users) {
      for (const [secretName, sealed] of secrets)
        out.push({ serverId, serverName, username, secretName, sealed });
    }
  }
  return out;
}

/** Sealed under an older master version, or in the format from before per-user data keys. */
export const needsRewrap = (sealed: Sealed, currentVersion: number): boolean =>
  sealed.keyVersion < currentVersion || sealed.dataKeyId === undefined;
