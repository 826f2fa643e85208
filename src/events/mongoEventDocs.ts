import { createHash } from 'node:crypto';
import type { RecordedEvent } from './eventStore.js';
import { toRecordedEvent, type EncodedEvent } from './recordEvents.js';

/**
 * How events look in MongoDB: one document per event, `_id` = global position. A position whose
 * append never committed (its writer died mid-append and another instance sealed it) holds a hole
 * marker `{_id, hole: true}` instead, so it can never be filled later.
 */
export interface EventDoc {
  _id: number;
  streamId: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Copy of metadata.eventId under a unique index: a retried append is not stored twice. */
  eventId: string;
  /** The claim (append round) that wrote it. */
  batch: string;
  /** sha256 of the event's canonical JSON, checked by `mcp-api verify`. */
  checksum: string;
}

export interface HoleDoc {
  _id: number;
  hole: true;
  batch: string;
}

export type PositionDoc = EventDoc | HoleDoc;

export const isHole = (doc: PositionDoc): doc is HoleDoc => (doc as HoleDoc).hole === true;

export const checksumOf = (json: string): string => createHash('sha256').update(json, 'utf8').digest('hex');

export function toEventDoc(encoded: EncodedEvent, batch: string): EventDoc {
  const e = encoded.event;
  return {
    _id: e.position,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    data: e.data as Record<string, unknown>,
    metadata: e.metadata as unknown as Record<string, unknown>,
    eventId: e.metadata.eventId,
    batch,
    checksum: checksumOf(encoded.json),
  };
}

/** The same JSON `recordEvents` hashed at append time (key order survives BSON). */
export function canonicalJson(doc: EventDoc): string {
  return JSON.stringify({
    position: doc._id,
    streamId: doc.streamId,
    version: doc.version,
    type: doc.type,
    data: doc.data,
    metadata: doc.metadata,
  });
}

export function fromEventDoc(doc: EventDoc): RecordedEvent {
  const event = toRecordedEvent({
    position: doc._id,
    streamId: doc.streamId,
    version: doc.version,
    type: doc.type,
    data: doc.data,
    metadata: doc.metadata,
  });
  if (!event) throw new Error(`Malformed event document at position ${String(doc._id)}`);
  return event;
}
