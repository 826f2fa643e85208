import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createFileSnapshotStore } from '../../src/events/fileSnapshotStore.js';
import { createMongoSnapshotStore } from '../../src/events/mongoSnapshotStore.js';
import {
  createMemorySnapshotStore,
  type Snapshot,
  type SnapshotStore,
} from '../../src/events/snapshotStore.js';
import { startMongoTarget, testDbName } from '../support/mongoTestStore.js';

const snapshot = (checkpoint: number, body = `body-${checkpoint}`): Snapshot => ({
  checkpoint,
  eventId: `evt-${checkpoint}`,
  format: 'f1',
  body,
  savedAt: '2030-01-01T00:00:00.000Z',
});

function snapshotContract(
  name: string,
  open: () => Promise<{ store: SnapshotStore; cleanup: () => Promise<void> }>,
): void {
  describe(`SnapshotStore: ${name}`, () => {
    let store: SnapshotStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('loads nothing before a save, then exactly what was saved', async () => {
      expect(await store.load('read-models')).to.equal(undefined);
      await store.save('read-models', snapshot(3, '{"a":"$map"}'));
      expect(await store.load('read-models')).to.deep.equal(snapshot(3, '{"a":"$map"}'));
      expect(await store.load('other')).to.equal(undefined);
    });

    it('keeps the newest checkpoint when an older one is saved later', async () => {
      await store.save('read-models', snapshot(5));
      await store.save('read-models', snapshot(4));
      expect((await store.load('read-models'))?.checkpoint).to.equal(5);
      await store.save('read-models', snapshot(7));
      expect((await store.load('read-models'))?.checkpoint).to.equal(7);
    });

    it('drops a snapshot', async () => {
      await store.save('read-models', snapshot(2));
      await store.drop('read-models');
      await store.drop('read-models');
      expect(await store.load('read-models')).to.equal(undefined);
    });
  });
}

snapshotContract('memory', async () => ({
  store: createMemorySnapshotStore(),
  cleanup: async () => undefined,
}));

snapshotContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'snapshots-'));
  return {
    store: createFileSnapshotStore(join(dir, 'projections')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

snapshotContract('mongo', async () => {
  const target = await startMongoTarget();
  const client = new MongoClient(target.url);
  await client.connect();
  const db = client.db(testDbName());
  return {
    store: createMongoSnapshotStore(db),
    async cleanup() {
      await db.dropDatabase();
      await client.close();
      await target.close();
    },
  };
});

describe('file snapshots', () => {
  it('are written owner-only (they hold ciphertext like the log)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snapshots-'));
    try {
      await createFileSnapshotStore(dir).save('read-models', snapshot(1));
      expect((await stat(join(dir, 'read-models.json'))).mode & 0o777).to.equal(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
