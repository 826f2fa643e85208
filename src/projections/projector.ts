import { EventEmitter } from 'eventemitter3';
import type { DomainEvent } from '../events/domainEvents.js';
import type { EventStore, RecordedEvent } from '../events/eventStore.js';
import type { Logger } from '../logger.js';
import { foldEvent } from './foldEvent.js';
import { initialReadModels, type ReadModels } from './readModels.js';

interface ProjectorEvents {
  /** After an event is folded in; the runtime reactor listens here. */
  applied: (event: DomainEvent, recorded: RecordedEvent) => void;
}

const CATCH_UP_PAGE = 5000;

/**
 * Folds the store into the in-memory read models and keeps them live. The checkpoint is the last
 * applied global position: an event at or below it is skipped, and a jump past checkpoint+1 makes
 * the projector read the missing range from the store first, so nothing is skipped or applied twice.
 */
export class Projector extends EventEmitter<ProjectorEvents> {
  private models: ReadModels = initialReadModels();
  private position = 0;
  private lastId: string | null = null;
  private started = false;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {
    super();
  }

  get readModels(): ReadModels {
    return this.models;
  }

  get checkpoint(): number {
    return this.position;
  }

  /** Event id at the checkpoint (what a snapshot records to recognize its log). */
  get lastEventId(): string | null {
    return this.lastId;
  }

  /** Starts from a checkpointed snapshot instead of position 0; only before start(). */
  restore(models: ReadModels, checkpoint: number, eventId: string | null): void {
    if (this.started) throw new Error('restore() must come before start()');
    this.models = models;
    this.position = checkpoint;
    this.lastId = eventId;
  }

  /** Catches up from the checkpoint, then follows live events. */
  async start(): Promise<void> {
    this.started = true;
    this.unsubscribe = this.store.subscribe((event) => this.enqueue(() => this.onLive(event)));
    await this.enqueue(() => this.catchUp());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Drops every read model and folds the whole log again from position 1. */
  async rebuild(): Promise<void> {
    await this.enqueue(async () => {
      this.models = initialReadModels();
      this.position = 0;
      this.lastId = null;
      await this.catchUp();
    });
  }

  /**
   * Folds what the store has committed and this projection has not seen yet: a record another instance
   * has just written (or revoked) is in the read models once this resolves, whatever the live feed's lag.
   */
  sync(): Promise<void> {
    return this.enqueue(() => this.catchUp());
  }

  /** Resolves once the read models include `position` (read-your-writes after a command). */
  waitFor(position: number): Promise<void> {
    if (position <= this.position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const next = this.chain
      .then(task)
      .catch((e: unknown) => this.logger.error('projector failed to apply events', { error: e }));
    this.chain = next;
    return next;
  }

  private async onLive(event: RecordedEvent): Promise<void> {
    if (event.position <= this.position) return;
    if (event.position > this.position + 1) await this.catchUp();
    if (event.position === this.position + 1) this.apply(event);
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.store.readAll(this.position + 1, CATCH_UP_PAGE);
      for (const event of page) this.apply(event);
      if (page.length < CATCH_UP_PAGE) return;
    }
  }

  private apply(recorded: RecordedEvent): void {
    const event = foldEvent(this.models, recorded, this.logger);
    this.position = recorded.position;
    this.lastId = recorded.metadata.eventId;
    if (event) this.emit('applied', event, recorded);
    for (const w of this.waiters) {
      if (w.position <= this.position) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }
}
