import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { EventStore } from '../../src/events/eventStore.js';
import { openMongoEventStore, type MongoEventStoreOptions } from '../../src/events/mongoEventStore.js';
import { startMongoWireServer, type MongoWireServer } from './mongoWire/mongoWireServer.js';

/**
 * Where Mongo tests run: the in-process wire test server, or a real MongoDB when MONGO_TEST_URL is
 * set (e.g. MONGO_TEST_URL=mongodb://127.0.0.1:27017 npm test). Every test gets its own database.
 */
export interface MongoTestTarget {
  readonly url: string;
  readonly kind: 'wire test server' | 'MONGO_TEST_URL';
  /** Only for the wire server: hooks, stored documents. */
  readonly wire: MongoWireServer | undefined;
  close(): Promise<void>;
}

export async function startMongoTarget(): Promise<MongoTestTarget> {
  const real = process.env.MONGO_TEST_URL;
  if (real) return { url: real, kind: 'MONGO_TEST_URL', wire: undefined, close: async () => undefined };
  const wire = await startMongoWireServer();
  return { url: wire.url, kind: 'wire test server', wire, close: () => wire.close() };
}

export const testDbName = (): string => `mcpapi_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

export interface OpenedMongoStore {
  readonly store: EventStore;
  readonly client: MongoClient;
  readonly dbName: string;
  cleanup(): Promise<void>;
}

/** A Mongo event store on its own client and database; cleanup closes it and drops the database. */
export async function openTestMongoStore(
  target: MongoTestTarget,
  dbName = testDbName(),
  options: Partial<MongoEventStoreOptions> = {},
): Promise<OpenedMongoStore> {
  const client = new MongoClient(target.url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const store = await openMongoEventStore({ db: client.db(dbName), ...options });
  return {
    store,
    client,
    dbName,
    async cleanup() {
      await store.close();
      await client
        .db(dbName)
        .dropDatabase()
        .catch(() => undefined);
      await client.close();
    },
  };
}
