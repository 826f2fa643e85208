import { MongoServerError, type CollectionOptions, type Db } from 'mongodb';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { AppendResult, EventStore, RecordedEvent } from './eventStore.js';
import { planRound, type Outcome, type PendingAppend } from './mongoAppendRound.js';
import { fromEventDoc, type EventDoc, type PositionDoc } from './mongoEventDocs.js';
import { MongoHead, type HeadDoc } from './mongoHead.js';
import { MongoTail } from './mongoTail.js';

export const EVENTS_COLLECTION = 'events';
export const HEAD_COLLECTION = 'events_head';

export interface MongoEventStoreOptions {
  readonly db: Db;
  readonly logger?: Logger;
  /** Removes credentials from driver error messages before they are shown. */
  readonly scrub?: (text: string) => string;
  /** How long a claim may stay unchanged before another writer seals it (default 10 s). */
  readonly leaseMs?: number;
  /** How often subscribers' tail polls the committed head (default 100 ms). */
  readonly pollMs?: number;
  /** Called by close() after the store has drained (e.g. closes the MongoClient). */
  readonly onClose?: () => Promise<void>;
}

/** Durable before acknowledged, and reads see only majority-committed data. */
export const COLLECTION_OPTIONS: CollectionOptions = {
  writeConcern: { w: 'majority', j: true },
  readConcern: { level: 'majority' },
};

const MAX_ROUND = 500;
const MAX_ATTEMPTS = 5;

interface Entry extends PendingAppend {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * The production event store: one document per event in `events` (`_id` = global position,
 * unique (streamId, version), unique eventId), committed through the head protocol in
 * mongoHead.ts so readers never see a position before every earlier one is final.
 */
export async function openMongoEventStore(options: MongoEventStoreOptions): Promise<EventStore> {
  const logger = options.logger ?? silentLogger();
  const scrub = options.scrub ?? ((t: string) => t);
  const events = options.db.collection<PositionDoc>(EVENTS_COLLECTION, COLLECTION_OPTIONS);
  const heads = options.db.collection<HeadDoc>(HEAD_COLLECTION, COLLECTION_OPTIONS);
  const wrap = (what: string, e: unknown): unknown =>
    isAppError(e) || e instanceof TypeError
      ? e
      : new AppError(
          'store_unavailable',
          `MongoDB ${what} failed: ${scrub(e instanceof Error ? e.message : String(e))}`,
          {},
          { cause: e },
        );

  try {
    await events.createIndexes([
      {
        key: { streamId: 1, version: 1 },
        name: 'stream_version',
        unique: true,
        partialFilterExpression: { streamId: { $exists: true } },
      },
      {
        key: { eventId: 1 },
        name: 'event_id',
        unique: true,
        partialFilterExpression: { eventId: { $exists: true } },
      },
    ]);
  } catch (e) {
    throw wrap('index setup', e);
  }
  const head = new MongoHead(heads, events, { leaseMs: options.leaseMs ?? 10_000, logger });
  await head.init().catch((e: unknown) => Promise.reject(wrap('head setup', e)));

  const readRange = async (from: number, to: number, limit?: number): Promise<RecordedEvent[]> => {
    const cursor = events.find({ _id: { $gte: from, $lte: to }, hole: { $exists: false } }).sort({ _id: 1 });
    if (limit !== undefined) cursor.limit(limit);
    return ((await cursor.toArray()) as EventDoc[]).map(fromEventDoc);
  };
  const tail = new MongoTail(
    { headPosition: () => head.position(), readRange },
    await head.position(),
    options.pollMs ?? 100,
    logger,
  );

  let queue: Entry[] = [];
  let running: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  async function runRound(round: Entry[]): Promise<Array<Outcome | undefined>> {
    const total = round.reduce((n, p) => n + p.events.length, 0);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (total === 0) return (await planRound(events, await head.position(), round, 'read-only')).outcomes;
      const claim = await head.claim(total);
      let plan;
      try {
        plan = await planRound(events, claim.base, round, claim.id);
      } catch (e) {
        await head.release(claim).catch(() => undefined);
        throw e;
      }
      if (plan.docs.length === 0) {
        await head.release(claim);
        return plan.outcomes;
      }
      try {
        await events.insertMany(plan.docs, { ordered: true });
      } catch (e) {
        await head
          .abort(claim)
          .catch((error: unknown) =>
            logger.error('could not seal a failed append; another writer will', { error }),
          );
        // Only the claim holder writes after the head, so a duplicate key means a foreign writer: re-plan.
        if (e instanceof MongoServerError && e.code === 11000) continue;
        throw e;
      }
      if (!(await head.commit(claim, plan.docs.length))) {
        logger.warn('an append lost its claim to another writer (too slow?); retrying', { attempt });
        continue;
      }
      await tail.deliver(claim.base + plan.docs.length, plan.recorded).catch((error: unknown) => {
        logger.warn('delivering committed events failed; the tail will retry', { error });
      });
      return plan.outcomes;
    }
    throw new AppError('store_unavailable', 'MongoDB append kept losing its claim; giving up');
  }

  async function drain(): Promise<void> {
    // Appends issued in the same turn (a Promise.all) share the first round.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const round = queue.slice(0, MAX_ROUND);
      queue = queue.slice(MAX_ROUND);
      try {
        const outcomes = await runRound(round);
        const again: Entry[] = [];
        round.forEach((entry, i) => {
          const outcome = outcomes[i];
          if (!outcome) again.push(entry);
          else if (outcome.ok) entry.resolve(outcome.result);
          else entry.reject(outcome.error);
        });
        queue = [...again, ...queue];
      } catch (e) {
        const error = wrap('append', e);
        for (const entry of round) entry.reject(error);
      }
    }
    running = undefined;
  }

  return {
    append(streamId, events, expected) {
      if (closing) return Promise.reject(new AppError('store_unavailable', 'Event store is closed'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ streamId, events, expected, resolve, reject });
        running ??= drain();
      });
    },
    async readStream(streamId) {
      try {
        const committed = await head.position();
        const docs = await events
          .find({ streamId, _id: { $lte: committed } })
          .sort({ version: 1 })
          .toArray();
        return (docs as EventDoc[]).map(fromEventDoc);
      } catch (e) {
        throw wrap('read', e);
      }
    },
    async readAll(fromPosition, limit) {
      if (Number.isNaN(fromPosition)) throw new TypeError('fromPosition must be a number');
      if (limit !== undefined && Math.floor(limit) <= 0) return [];
      try {
        return await readRange(
          Math.max(1, Math.ceil(fromPosition)),
          await head.position(),
          limit === undefined ? undefined : Math.floor(limit),
        );
      } catch (e) {
        throw wrap('read', e);
      }
    },
    headPosition: () => head.position().catch((e: unknown) => Promise.reject(wrap('read', e))),
    subscribe: (listener) => tail.subscribe(listener),
    close() {
      closing ??= (async () => {
        await running;
        tail.close();
        await options.onClose?.();
      })();
      return closing;
    },
  };
}
