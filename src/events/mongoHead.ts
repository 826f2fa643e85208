import { randomUUID } from 'node:crypto';
import { MongoServerError, type Collection, type WithoutId } from 'mongodb';
import type { Logger } from '../logger.js';
import type { HoleDoc, PositionDoc } from './mongoEventDocs.js';

/**
 * The commit protocol that keeps positions gap-free for readers (docs/event-store.md):
 *
 * - One document `{_id: 'head', position, claim}`. `position` is the committed head: every
 *   position up to it holds an event or a hole marker, and readers never look past it.
 * - A writer claims the range after the head (compare-and-set on `position` and `claim: null`),
 *   inserts its events there, and commits by moving `position` to its last event while clearing
 *   its claim (compare-and-set on the claim id). Commits are therefore serialized across
 *   instances, and a position becomes readable only together with every position before it.
 * - A claim seen unchanged for longer than the lease belongs to a dead or stalled writer. Another
 *   writer takes it over (compare-and-set replaces the claim id, which fences the old writer's
 *   commit), seals the claimed range with hole markers (replacing whatever the old writer managed
 *   to insert, and occupying the rest so its late inserts fail) and moves the head past it.
 */

export const HEAD_ID = 'head';

export interface HeadDoc {
  _id: string;
  position: number;
  claim: { id: string; last: number } | null;
}

export interface Claim {
  readonly id: string;
  /** Committed head when claimed: the claim owns positions base+1 .. last. */
  readonly base: number;
  readonly last: number;
}

export interface HeadOptions {
  readonly leaseMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleeper = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MongoHead {
  private observed: { id: string; since: number } | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly heads: Collection<HeadDoc>,
    private readonly events: Collection<PositionDoc>,
    private readonly options: HeadOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? sleeper;
  }

  async init(): Promise<void> {
    await this.heads
      .updateOne({ _id: HEAD_ID }, { $setOnInsert: { position: 0, claim: null } }, { upsert: true })
      .catch((e: unknown) => {
        // Two instances starting at once: the loser's upsert hits the unique _id; the head exists.
        if (!(e instanceof MongoServerError && e.code === 11000)) throw e;
      });
  }

  async read(): Promise<HeadDoc> {
    const head = await this.heads.findOne({ _id: HEAD_ID });
    if (!head) throw new Error('event store head document is missing');
    return head;
  }

  async position(): Promise<number> {
    return (await this.read()).position;
  }

  /** Waits for the head to be free (taking over stale claims), then claims `count` positions. */
  async claim(count: number): Promise<Claim> {
    let backoff = 1;
    for (;;) {
      const head = await this.read();
      if (head.claim) {
        if (this.isStale(head.claim.id)) {
          await this.takeOver(head, head.claim);
          backoff = 1;
        } else {
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, 50);
        }
        continue;
      }
      const claim = { id: randomUUID(), base: head.position, last: head.position + count };
      const result = await this.heads.updateOne(
        { _id: HEAD_ID, position: head.position, claim: null },
        { $set: { claim: { id: claim.id, last: claim.last } } },
      );
      if (result.matchedCount === 1) return claim;
    }
  }

  /**
   * Moves the head to `base + used` and frees the claim. False if another writer took the claim
   * over meanwhile: then nothing of this round is committed (its positions are sealed as holes).
   */
  async commit(claim: Claim, used: number, attempt = 1): Promise<boolean> {
    const target = claim.base + used;
    try {
      const result = await this.heads.updateOne(
        { _id: HEAD_ID, 'claim.id': claim.id },
        { $set: { position: target, claim: null } },
      );
      return result.matchedCount === 1;
    } catch (error) {
      // The outcome is unknown (e.g. the connection dropped): find out which way it went.
      const head = await this.read();
      if (head.claim?.id === claim.id) {
        if (attempt >= 3) throw error;
        return this.commit(claim, used, attempt + 1);
      }
      const first = used > 0 ? await this.events.findOne({ _id: claim.base + 1 }) : null;
      if (head.position >= target && first && first.batch === claim.id && !('hole' in first)) return true;
      if (used === 0 && head.position >= claim.base) return true;
      throw error;
    }
  }

  /** Gives back a claim under which nothing was written. */
  async release(claim: Claim): Promise<void> {
    await this.heads.updateOne({ _id: HEAD_ID, 'claim.id': claim.id }, { $set: { claim: null } });
  }

  /** After a failed insert: seals this claim's own range and moves the head past it. */
  async abort(claim: Claim): Promise<void> {
    await this.seal(claim.base, claim.last, claim.id);
    await this.heads.updateOne(
      { _id: HEAD_ID, 'claim.id': claim.id },
      { $set: { position: claim.last, claim: null } },
    );
  }

  private isStale(id: string): boolean {
    const now = this.now();
    if (this.observed?.id !== id) {
      this.observed = { id, since: now };
      return false;
    }
    return now - this.observed.since >= this.options.leaseMs;
  }

  private async takeOver(head: HeadDoc, stale: { id: string; last: number }): Promise<void> {
    const id = randomUUID();
    const fenced = await this.heads.updateOne(
      { _id: HEAD_ID, 'claim.id': stale.id },
      { $set: { claim: { id, last: stale.last } } },
    );
    if (fenced.matchedCount !== 1) return;
    this.options.logger.warn('took over a stale append claim; sealing its positions as holes', {
      claim: stale.id,
      from: head.position + 1,
      to: stale.last,
    });
    await this.abort({ id, base: head.position, last: stale.last });
  }

  /** Makes every position in (base, last] a hole marker, whatever a dead writer left there. */
  private async seal(base: number, last: number, by: string): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const docs = await this.events
        .find({ _id: { $gt: base, $lte: last } }, { projection: { _id: 1, hole: 1 } })
        .toArray();
      const present = new Set(docs.map((d) => d._id));
      const live = docs.filter((d) => !('hole' in d && d.hole === true));
      const missing: HoleDoc[] = [];
      for (let p = base + 1; p <= last; p++)
        if (!present.has(p)) missing.push({ _id: p, hole: true, batch: by });
      if (live.length === 0 && missing.length === 0) return;
      for (const doc of live)
        await this.events.replaceOne({ _id: doc._id, hole: { $exists: false } }, {
          hole: true,
          batch: by,
        } as unknown as WithoutId<PositionDoc>);
      if (missing.length > 0) {
        await this.events.insertMany(missing, { ordered: false }).catch((e: unknown) => {
          // A late insert by the dead writer took some position first: the next round replaces it.
          if (!(e instanceof MongoServerError && e.code === 11000)) throw e;
        });
      }
    }
    throw new Error(`could not seal positions ${base + 1}..${last}`);
  }
}
