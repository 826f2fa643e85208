import type { Logger } from '../logger.js';
import { createEventFeed } from './eventFeed.js';
import type { EventListener, RecordedEvent } from './eventStore.js';

/** What the tail needs from the store: the committed head and events by position range. */
export interface TailSource {
  headPosition(): Promise<number>;
  /** Committed events with from <= position <= to, in order (holes are absent). */
  readRange(from: number, to: number, limit: number): Promise<RecordedEvent[]>;
}

const PAGE = 1000;

/**
 * The subscribe side of the Mongo store. It delivers every committed event once and in position
 * order: the events this instance appended right after their commit, everything else by polling
 * the committed head. Readers only ever see positions up to the committed head, and everything
 * up to it is final (an event or a sealed hole), so moving `delivered` forward can never skip a
 * position that becomes visible later.
 */
export class MongoTail {
  private readonly feed;
  private delivered: number;
  private chain: Promise<void> = Promise.resolve();
  private listeners = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly source: TailSource,
    startAt: number,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {
    this.feed = createEventFeed(logger);
    this.delivered = startAt;
  }

  subscribe(listener: EventListener): () => void {
    const off = this.feed.subscribe(listener);
    this.listeners++;
    this.schedule();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      this.listeners--;
    };
  }

  /**
   * Publishes everything up to `through`. `own` are this instance's just-committed events (ending
   * at `through`); whatever other instances committed before them is read from the store first.
   */
  deliver(through: number, own: readonly RecordedEvent[] = []): Promise<void> {
    const run = this.chain.then(async () => {
      if (through <= this.delivered) return;
      const ownFrom = own[0]?.position ?? through + 1;
      while (this.delivered < ownFrom - 1 && this.delivered < through) {
        const to = Math.min(ownFrom - 1, through);
        const page = await this.source.readRange(this.delivered + 1, to, PAGE);
        this.feed.publish(page);
        this.delivered = page.length === PAGE ? (page.at(-1) as RecordedEvent).position : to;
      }
      const rest = own.filter((e) => e.position > this.delivered);
      this.feed.publish(rest);
      this.delivered = through;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.feed.clear();
  }

  private schedule(): void {
    if (this.timer || this.closed || this.listeners === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      await this.deliver(await this.source.headPosition());
    } catch (error) {
      this.logger.warn('event store poll failed; retrying', { error });
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }
}
