import type { Db } from 'mongodb';
import type { DataKeyStore, WrappedDataKey } from '../crypto/dataKeyStore.js';

interface KeyDocument {
  _id: string;
  username: string;
  masterVersion: number;
  iv: string;
  tag: string;
  data: string;
  createdAt: string;
}

const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };

/**
 * Per-user data keys in their own collection (SECRETS_DBNAME), apart from the events: a dump of the
 * events alone opens nothing. One document per key, inserted with $setOnInsert, so two instances
 * creating a key for the same user at once both keep theirs (a union, never a lost update).
 */
export function mongoDataKeyStore(db: Db, collectionName: string): DataKeyStore {
  const keys = db.collection<KeyDocument>(collectionName);
  const toWrapped = (d: KeyDocument): WrappedDataKey => ({
    id: d._id,
    masterVersion: d.masterVersion,
    iv: d.iv,
    tag: d.tag,
    data: d.data,
    createdAt: d.createdAt,
  });
  const load = async (username: string): Promise<WrappedDataKey[]> =>
    (await keys.find({ username }).toArray())
      .map(toWrapped)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));

  return {
    async loadAll() {
      const users = new Map<string, WrappedDataKey[]>();
      for (const d of await keys.find({}).toArray())
        users.set(d.username, [...(users.get(d.username) ?? []), toWrapped(d)]);
      for (const list of users.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      return users;
    },
    load,
    async put(username, list) {
      for (const k of list) {
        const doc = {
          username,
          masterVersion: k.masterVersion,
          iv: k.iv,
          tag: k.tag,
          data: k.data,
          createdAt: k.createdAt,
        };
        await keys.updateOne({ _id: k.id }, { $setOnInsert: doc }, { upsert: true, ...DURABLE });
      }
    },
    async remove(username) {
      const result = await keys.deleteMany({ username }, DURABLE);
      return result.deletedCount;
    },
  };
}
