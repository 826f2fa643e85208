import type { Collection } from 'mongodb';
import { AppError } from '../errors.js';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent } from './eventStore.js';
import { toEventDoc, type EventDoc, type PositionDoc } from './mongoEventDocs.js';
import { assertExpectedVersion, assertStreamId, recordEvents } from './recordEvents.js';

/** One append() call waiting for its round. */
export interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedVersion;
}

export type Outcome =
  { ok: true; result: AppendResult; recorded: RecordedEvent[] } | { ok: false; error: unknown };

export interface PlannedRound {
  /** Per pending append, in order; `undefined` means "not decided in this round, queue it again". */
  readonly outcomes: Array<Outcome | undefined>;
  readonly docs: EventDoc[];
  readonly recorded: RecordedEvent[];
}

interface StreamTip {
  version: number;
  lastPosition: number;
}

/**
 * Decides a round of appends under a claim whose committed head is `base`: idempotent retries
 * (every event id already stored) answer with the original result, version checks run against
 * the committed stream tips plus what earlier appends of this round add, and the survivors get
 * consecutive positions after `base`. Pure apart from the reads it needs.
 */
export async function planRound(
  events: Collection<PositionDoc>,
  base: number,
  round: readonly PendingAppend[],
  batch: string,
): Promise<PlannedRound> {
  const tips = await readTips(events, base, [...new Set(round.map((p) => p.streamId))]);
  const stored = await readStoredIds(
    events,
    base,
    round
      .flatMap((p) => p.events.map((e) => e.metadata?.eventId))
      .filter((id): id is string => typeof id === 'string'),
  );
  const outcomes: Array<Outcome | undefined> = [];
  const docs: EventDoc[] = [];
  const recorded: RecordedEvent[] = [];
  const idsThisRound = new Set<string>();
  let next = base + 1;

  for (const p of round) {
    try {
      assertStreamId(p.streamId);
      const ids = p.events.map((e) => e.metadata?.eventId);
      if (ids.some((id) => typeof id !== 'string' || id.length === 0))
        throw new TypeError('Every event needs metadata.eventId');
      if (ids.some((id) => idsThisRound.has(id))) {
        outcomes.push(undefined); // the same event twice in one round: decide it after the first commits
        continue;
      }
      const retried = retriedResult(p, ids, stored);
      if (retried) {
        outcomes.push({ ok: true, result: retried, recorded: [] });
        continue;
      }
      const tip = tips.get(p.streamId) ?? { version: 0, lastPosition: 0 };
      assertExpectedVersion(p.streamId, p.expected, tip.version);
      if (p.events.length === 0) {
        outcomes.push({
          ok: true,
          result: { nextVersion: tip.version, lastPosition: tip.lastPosition },
          recorded: [],
        });
        continue;
      }
      const encoded = recordEvents(p.streamId, p.events, tip.version + 1, next);
      const mine = encoded.map((e) => e.event);
      docs.push(...encoded.map((e) => toEventDoc(e, batch)));
      recorded.push(...mine);
      for (const id of ids) idsThisRound.add(id);
      next += encoded.length;
      tips.set(p.streamId, { version: tip.version + encoded.length, lastPosition: next - 1 });
      outcomes.push({
        ok: true,
        result: { nextVersion: tip.version + encoded.length, lastPosition: next - 1 },
        recorded: mine,
      });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return { outcomes, docs, recorded };
}

type StoredIds = Map<string, { streamId: string; version: number; position: number }>;

function retriedResult(
  p: PendingAppend,
  ids: readonly string[],
  stored: StoredIds,
): AppendResult | undefined {
  const found = ids.map((id) => stored.get(id));
  if (found.length === 0 || found.every((f) => f === undefined)) return undefined;
  const consistent = found.every(
    (f, i) =>
      f !== undefined &&
      f.streamId === p.streamId &&
      (i === 0 || f.version === (found[i - 1]?.version ?? 0) + 1),
  );
  if (!consistent) {
    throw new AppError(
      'duplicate_event',
      `Some of these events are already stored (append retried with different events?)`,
      {
        streamId: p.streamId,
      },
    );
  }
  const last = found.at(-1) as { version: number; position: number };
  return { nextVersion: last.version, lastPosition: last.position };
}

async function readTips(
  events: Collection<PositionDoc>,
  base: number,
  streams: readonly string[],
): Promise<Map<string, StreamTip>> {
  const tips = new Map<string, StreamTip>();
  await Promise.all(
    streams.map(async (streamId) => {
      const last = (await events.findOne(
        { streamId, _id: { $lte: base } },
        { sort: { version: -1 } },
      )) as EventDoc | null;
      if (last) tips.set(streamId, { version: last.version, lastPosition: last._id });
    }),
  );
  return tips;
}

async function readStoredIds(
  events: Collection<PositionDoc>,
  base: number,
  ids: readonly string[],
): Promise<StoredIds> {
  const stored: StoredIds = new Map();
  if (ids.length === 0) return stored;
  const docs = (await events
    .find(
      { eventId: { $in: [...new Set(ids)] }, _id: { $lte: base } },
      { projection: { _id: 1, eventId: 1, streamId: 1, version: 1 } },
    )
    .toArray()) as EventDoc[];
  for (const d of docs) stored.set(d.eventId, { streamId: d.streamId, version: d.version, position: d._id });
  return stored;
}
