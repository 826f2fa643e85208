import type { Db } from 'mongodb';
import type { LogCheck } from './logCheck.js';
import {
  canonicalJson,
  checksumOf,
  fromEventDoc,
  isHole,
  type EventDoc,
  type PositionDoc,
} from './mongoEventDocs.js';
import { COLLECTION_OPTIONS, EVENTS_COLLECTION, HEAD_COLLECTION } from './mongoEventStore.js';
import { HEAD_ID, type HeadDoc } from './mongoHead.js';

/**
 * Walks every position document: each position up to the committed head must hold an event with
 * a matching checksum or a hole marker; documents past the head are an append in flight (or the
 * leftovers of a dead writer, sealed by the next append).
 */
export async function checkMongoLog(db: Db): Promise<LogCheck> {
  const head = await db.collection<HeadDoc>(HEAD_COLLECTION, COLLECTION_OPTIONS).findOne({ _id: HEAD_ID });
  const committed = head?.position ?? 0;
  const problems: string[] = [];
  let records = 0;
  let holes = 0;
  let pastHead = 0;
  let expected = 1;
  const cursor = db.collection<PositionDoc>(EVENTS_COLLECTION, COLLECTION_OPTIONS).find({}).sort({ _id: 1 });
  for await (const doc of cursor) {
    if (doc._id > committed) {
      pastHead++;
      continue;
    }
    if (doc._id !== expected)
      problems.push(`positions ${expected}..${doc._id - 1} are missing below the committed head`);
    expected = doc._id + 1;
    if (isHole(doc)) {
      holes++;
      continue;
    }
    records++;
    const event = doc as EventDoc;
    if (checksumOf(canonicalJson(event)) !== event.checksum)
      problems.push(`checksum mismatch at position ${event._id} (stream ${event.streamId})`);
    try {
      fromEventDoc(event);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (expected <= committed)
    problems.push(`positions ${expected}..${committed} are missing below the committed head`);
  return {
    ok: problems.length === 0,
    records,
    problems,
    details: {
      committedHead: committed,
      checksumsVerified: records,
      holes,
      documentsPastHead: pastHead,
      appendInFlight: Boolean(head?.claim),
    },
  };
}
