import { MongoServerError, type Db } from 'mongodb';
import type { Logger } from '../logger.js';
import { COLLECTION_OPTIONS } from './mongoEventStore.js';
import type { Snapshot, SnapshotStore } from './snapshotStore.js';

export const SNAPSHOT_COLLECTION = 'projections';

/** Leaves headroom under MongoDB's 16 MiB document limit. */
const MAX_BODY = 15 * 1024 * 1024;

interface SnapshotDoc extends Snapshot {
  _id: string;
}

/**
 * Snapshots in the `projections` collection, one document per name. Several instances save the
 * same snapshot; the newest checkpoint wins (an older one never overwrites it).
 */
export function createMongoSnapshotStore(db: Db, logger?: Logger): SnapshotStore {
  const snapshots = db.collection<SnapshotDoc>(SNAPSHOT_COLLECTION, COLLECTION_OPTIONS);
  return {
    async load(name) {
      const doc = await snapshots.findOne({ _id: name });
      if (!doc) return undefined;
      const { _id: _ignored, ...snapshot } = doc;
      return snapshot;
    },
    async save(name, snapshot) {
      if (snapshot.body.length > MAX_BODY) {
        logger?.warn(
          'projection snapshot too large for one MongoDB document; not saved (start-up replays the log)',
          {
            name,
            bytes: snapshot.body.length,
          },
        );
        return;
      }
      try {
        await snapshots.replaceOne({ _id: name, checkpoint: { $lte: snapshot.checkpoint } }, snapshot, {
          upsert: true,
        });
      } catch (e) {
        // The filter missed because a newer snapshot exists; the upsert then collides on _id. Keep the newer.
        if (!(e instanceof MongoServerError && e.code === 11000)) throw e;
      }
    },
    async drop(name) {
      await snapshots.deleteOne({ _id: name });
    },
  };
}
