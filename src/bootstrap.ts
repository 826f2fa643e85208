import { join } from 'node:path';
import { eventStoreKind, type Config, type EventStoreKind } from './config.js';
import { loadOrCreateKeyFile } from './crypto/keyFile.js';
import { checkKeys, parseKeyList, type KeyMaterial } from './crypto/keyring.js';
import { createSecretBox, deriveKey, type SecretBox } from './crypto/secretBox.js';
import type { EventStore } from './events/eventStore.js';
import { openFileEventStore } from './events/fileEventStore.js';
import { checkFileLog } from './events/fileLogCheck.js';
import { openFileLogReader } from './events/fileLogReader.js';
import { createFileSnapshotStore } from './events/fileSnapshotStore.js';
import type { LogCheck } from './events/logCheck.js';
import { createMemoryEventStore } from './events/memoryEventStore.js';
import { createMemorySnapshotStore, type SnapshotStore } from './events/snapshotStore.js';
import type { Logger } from './logger.js';

/**
 * The adapters both entry points (the server in main.ts and the mcp-api CLI) build from a Config:
 * the configured storage (event store + projection snapshots) and the secret box. Only entry
 * points call this.
 */
export async function openSecretBox(config: Config, logger: Logger): Promise<SecretBox> {
  const keys = await keyMaterial(config, logger);
  checkKeys(keys);
  return createSecretBox(new Map(keys.map((k) => [k.version, deriveKey(k.material, k.version)])));
}

export interface Storage {
  readonly kind: EventStoreKind;
  /** Where the log lives, without credentials: for log lines and CLI output. */
  readonly where: string;
  readonly events: EventStore;
  readonly snapshots: SnapshotStore;
  /** Integrity of the stored log below the port: checksums, framing, holes. */
  checkLog(): Promise<LogCheck>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /**
   * For the operator CLI: never lock, truncate or write the log (a gateway may be running on it).
   * Mongo needs no such care (several writers are its normal case), so this only changes the file store.
   */
  readonly readOnly?: boolean;
}

export async function openStorage(config: Config, logger: Logger, options: StorageOptions = {}): Promise<Storage> {
  const kind = eventStoreKind(config);
  const log = logger.child({ component: 'event-store' });
  if (kind === 'memory') {
    const events = createMemoryEventStore({ logger: log });
    return { kind, where: 'memory', events, snapshots: createMemorySnapshotStore(), checkLog: async () => memoryCheck(events), close: () => events.close() };
  }
  if (kind === 'file') {
    const dir = join(config.DATA_DIR, 'events');
    const events = options.readOnly ? await openFileLogReader({ dir, logger: log }) : await openFileEventStore({ dir, logger: log });
    const snapshots = createFileSnapshotStore(join(config.DATA_DIR, 'projections'), log);
    return { kind, where: dir, events, snapshots, checkLog: () => checkFileLog(dir), close: () => events.close() };
  }
  // Loaded only when configured: the file-store gateway and CLI never load the driver.
  const [{ connectMongo }, { openMongoEventStore }, { checkMongoLog }, { createMongoSnapshotStore }] = await Promise.all([
    import('./events/mongoConnection.js'),
    import('./events/mongoEventStore.js'),
    import('./events/mongoLogCheck.js'),
    import('./events/mongoSnapshotStore.js'),
  ]);
  const connection = await connectMongo(
    {
      url: config.MONGO_URL,
      host: config.MONGO_HOST,
      user: config.MONGO_USER,
      password: config.MONGO_PASS,
      dbName: config.MONGO_DBNAME,
      replicaSet: config.MONGO_REPLICA_SET,
      authSource: config.MONGO_AUTH_SOURCE,
    },
    log,
  );
  try {
    const events = await openMongoEventStore({ db: connection.db, logger: log, scrub: connection.scrub });
    return {
      kind,
      where: `${connection.where} (database ${config.MONGO_DBNAME})`,
      events,
      snapshots: createMongoSnapshotStore(connection.db, log),
      checkLog: () => checkMongoLog(connection.db),
      async close() {
        try {
          await events.close();
        } finally {
          await connection.close();
        }
      },
    };
  } catch (e) {
    await connection.close();
    throw e;
  }
}

/** The event store alone; its close() closes the whole storage. */
export async function openEventStore(config: Config, logger: Logger): Promise<EventStore> {
  const storage = await openStorage(config, logger);
  return { ...storage.events, close: () => storage.close() };
}

async function memoryCheck(events: EventStore): Promise<LogCheck> {
  const head = await events.headPosition();
  return { ok: true, records: head, problems: [], details: { note: 'in-memory store: nothing on disk to check' } };
}

async function keyMaterial(config: Config, logger: Logger): Promise<KeyMaterial[]> {
  if (config.SECRETS_KEYS) return parseKeyList(config.SECRETS_KEYS);
  if (config.SECRETS_KEY !== undefined) return [{ version: 1, material: config.SECRETS_KEY }];
  return [{ version: 1, material: await loadOrCreateKeyFile(config.DATA_DIR, logger) }];
}
