import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import { eventStoreKind, type Config, type EventStoreKind } from './config.js';
import { loadOrCreateAdminToken } from './crypto/adminTokenFile.js';
import type { DataKeyStore } from './crypto/dataKeyStore.js';
import { fileDataKeyStore } from './crypto/fileDataKeyStore.js';
import { loadOrCreateKeyFile } from './crypto/keyFile.js';
import { checkKeys, parseKeyList, type KeyMaterial } from './crypto/keyring.js';
import { deriveKey } from './crypto/secretBox.js';
import { openUserSecretBox, type UserSecretBox } from './crypto/userSecretBox.js';
import type { EventStore } from './events/eventStore.js';
import { openFileEventStore } from './events/fileEventStore.js';
import { checkFileLog, type LogAnchor } from './events/fileLogCheck.js';
import { openFileLogReader } from './events/fileLogReader.js';
import { createFileSnapshotStore } from './events/fileSnapshotStore.js';
import type { LogCheck } from './events/logCheck.js';
import { createMemoryEventStore } from './events/memoryEventStore.js';
import { createMemorySnapshotStore, type SnapshotStore } from './events/snapshotStore.js';
import { originPolicy } from './http/originGuard.js';
import type { SecurityOptions } from './http/securityOptions.js';
import type { Logger } from './logger.js';
import { READ_MODELS_SNAPSHOT } from './projections/projectionSnapshots.js';

/**
 * The adapters both entry points (the server in main.ts and the mcp-api CLI) build from a Config:
 * the configured storage (event store + projection snapshots) and the secret box. Only entry
 * points call this.
 */
export async function openSecretBox(
  config: Config,
  logger: Logger,
  dataKeys?: DataKeyStore,
): Promise<UserSecretBox> {
  return (await openCrypto(config, logger, dataKeys)).secretBox;
}

/** The secret box (per-user data keys under DATA_DIR/keys, wrapped by the master keys) and the login-link key. */
export async function openCrypto(
  config: Config,
  logger: Logger,
  dataKeys?: DataKeyStore,
): Promise<{ secretBox: UserSecretBox; linkKey: Buffer }> {
  const keys = await keyMaterial(config, logger);
  checkKeys(keys);
  const masterKeys = new Map(keys.map((k) => [k.version, deriveKey(k.material, k.version)]));
  const store = dataKeys ?? fileDataKeyStore(join(config.DATA_DIR, 'keys'));
  const secretBox = await openUserSecretBox({
    masterKeys,
    store,
    logger: logger.child({ component: 'data-keys' }),
  });
  const newest = masterKeys.get(secretBox.currentVersion) as Buffer;
  const linkKey = Buffer.from(hkdfSync('sha256', newest, 'mcp-api', 'login-links', 32));
  return { secretBox, linkKey };
}

export interface Storage {
  readonly kind: EventStoreKind;
  /** Where the log lives, without credentials: for log lines and CLI output. */
  readonly where: string;
  readonly events: EventStore;
  readonly snapshots: SnapshotStore;
  /** Per-user data keys, apart from the events: DATA_DIR/keys, or the SECRETS_DBNAME collection with MongoDB. */
  readonly dataKeys: DataKeyStore;
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

export async function openStorage(
  config: Config,
  logger: Logger,
  options: StorageOptions = {},
): Promise<Storage> {
  const kind = eventStoreKind(config);
  const log = logger.child({ component: 'event-store' });
  if (kind === 'memory') {
    const events = createMemoryEventStore({ logger: log });
    const dataKeys = fileDataKeyStore(join(config.DATA_DIR, 'keys'));
    return {
      kind,
      where: 'memory',
      events,
      snapshots: createMemorySnapshotStore(),
      dataKeys,
      checkLog: async () => memoryCheck(events),
      close: () => events.close(),
    };
  }
  if (kind === 'file') {
    const dir = join(config.DATA_DIR, 'events');
    const events = options.readOnly
      ? await openFileLogReader({ dir, logger: log })
      : await openFileEventStore({
          dir,
          logger: log,
          acceptShorterLog: config.EVENT_LOG_ACCEPT_SHORTER,
          segmentBytes: config.EVENT_LOG_SEGMENT_MB * 1024 * 1024,
        });
    const snapshots = createFileSnapshotStore(join(config.DATA_DIR, 'projections'), log);
    const dataKeys = fileDataKeyStore(join(config.DATA_DIR, 'keys'));
    const anchors = async (): Promise<LogAnchor[]> => {
      const snapshot = await snapshots.load(READ_MODELS_SNAPSHOT);
      if (!snapshot) return [];
      return [{ what: 'projection snapshot', position: snapshot.checkpoint, eventId: snapshot.eventId }];
    };
    const checkLog = async (): Promise<LogCheck> => checkFileLog(dir, await anchors());
    return { kind, where: dir, events, snapshots, dataKeys, checkLog, close: () => events.close() };
  }
  // Loaded only when configured: the file-store gateway and CLI never load the driver.
  const [{ connectMongo }, { openMongoEventStore }, { checkMongoLog }, { createMongoSnapshotStore }] =
    await Promise.all([
      import('./events/mongoConnection.js'),
      import('./events/mongoEventStore.js'),
      import('./events/mongoLogCheck.js'),
      import('./events/mongoSnapshotStore.js'),
    ]);
  const { mongoDataKeyStore } = await import('./events/mongoDataKeyStore.js');
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
      dataKeys: mongoDataKeyStore(connection.db, config.SECRETS_DBNAME),
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
  return {
    ok: true,
    records: head,
    problems: [],
    details: { note: 'in-memory store: nothing on disk to check' },
  };
}

/** Authentication and limits from the config; generates the admin token file when ADMIN_TOKEN is unset. */
export async function securityOptions(
  config: Config,
  logger: Logger,
  linkKey: Buffer,
): Promise<SecurityOptions> {
  let adminToken = config.ADMIN_TOKEN;
  if (config.AUTH === 'none') {
    logger.warn(
      'AUTH=none: authentication is OFF; anyone who can reach the gateway acts as admin for every user',
      { host: config.HOST },
    );
    adminToken = undefined;
  } else if (adminToken === undefined) {
    adminToken = await loadOrCreateAdminToken(config.DATA_DIR, logger);
  }
  return {
    auth: { mode: config.AUTH, ...(adminToken === undefined ? {} : { adminToken }) },
    origins: originPolicy(config.HOST, config.ALLOWED_HOSTS, config.ALLOWED_ORIGINS),
    limits: {
      maxSecretsPerUser: config.MAX_SECRETS_PER_USER,
      maxSecretValueBytes: config.MAX_SECRET_VALUE_BYTES,
      toolCallsPerMinute: config.TOOL_CALLS_PER_MINUTE,
      toolCallBurst: config.TOOL_CALL_BURST,
      secretWritesPerMinute: config.SECRET_WRITES_PER_MINUTE,
      secretWriteBurst: config.SECRET_WRITE_BURST,
      authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
      authFailureBurst: config.AUTH_FAILURE_BURST,
    },
    google: {
      loginTtlMs: config.GOOGLE_LOGIN_TTL_MS,
      ...(config.GOOGLE_OAUTH_CREDENTIALS ? { credentials: config.GOOGLE_OAUTH_CREDENTIALS } : {}),
    },
    ...(config.PUBLIC_URL === undefined ? {} : { publicUrl: config.PUBLIC_URL }),
    linkKey,
    ...authServerOptions(config, logger),
  };
}

/** The authorization server runs with PUBLIC_URL (its issuer) and token auth, unless OAUTH_SERVER=off. */
function authServerOptions(config: Config, logger: Logger): Pick<SecurityOptions, 'authServer'> {
  if (config.OAUTH_SERVER === 'off' || config.AUTH !== 'token') return {};
  if (config.PUBLIC_URL === undefined) {
    if (config.OIDC_ISSUER)
      logger.warn('OIDC_ISSUER is set but PUBLIC_URL is not: the authorization server (and sign-in) is off');
    return {};
  }
  const federation =
    config.OIDC_ISSUER && config.OIDC_CLIENT_ID
      ? {
          issuer: config.OIDC_ISSUER,
          clientId: config.OIDC_CLIENT_ID,
          ...(config.OIDC_CLIENT_SECRET ? { clientSecret: config.OIDC_CLIENT_SECRET } : {}),
          usernameClaim: config.OIDC_USERNAME_CLAIM,
          groupsClaim: config.OIDC_GROUPS_CLAIM,
          scope: config.OIDC_SCOPE,
        }
      : undefined;
  return {
    authServer: { accessTokenTtl: config.OAUTH_ACCESS_TOKEN_TTL_S, ...(federation ? { federation } : {}) },
  };
}

async function keyMaterial(config: Config, logger: Logger): Promise<KeyMaterial[]> {
  if (config.SECRETS_KEYS) return parseKeyList(config.SECRETS_KEYS);
  if (config.SECRETS_KEY !== undefined) return [{ version: 1, material: config.SECRETS_KEY }];
  return [{ version: 1, material: await loadOrCreateKeyFile(config.DATA_DIR, logger) }];
}
