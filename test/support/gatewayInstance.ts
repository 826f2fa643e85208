import { MongoClient } from 'mongodb';
import { openUserSecretBox } from '../../src/crypto/userSecretBox.js';
import { mongoDataKeyStore } from '../../src/events/mongoDataKeyStore.js';
import { openMongoEventStore } from '../../src/events/mongoEventStore.js';
import { createMongoSnapshotStore } from '../../src/events/mongoSnapshotStore.js';
import type { MongoTestTarget } from './mongoTestStore.js';
import {
  startTestGateway,
  testMasterKeys,
  type TestGateway,
  type TestGatewayOptions,
} from './testGateway.js';

/** One gateway instance on its own MongoClient, like a separate process on the shared database. */
export async function startMongoInstance(
  target: MongoTestTarget,
  dbName: string,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const client = new MongoClient(target.url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(dbName);
  const events = await openMongoEventStore({ db, pollMs: 50 });
  // Its own box over the shared key collection, as a separate process would have.
  const secretBox = await openUserSecretBox({
    masterKeys: testMasterKeys(),
    store: mongoDataKeyStore(db, 'secrets'),
  });
  return startTestGateway({
    ...options,
    secretBox,
    storage: {
      events,
      snapshots: createMongoSnapshotStore(db),
      async close() {
        await events.close();
        await client.close();
      },
    },
  });
}
