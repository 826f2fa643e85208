import { AppError } from '../errors.js';
import type { EventStore } from '../events/eventStore.js';
import type { Snapshot, SnapshotStore } from '../events/snapshotStore.js';
import type { Logger } from '../logger.js';
import { projectionCodeFingerprint } from './codeFingerprint.js';
import { decodeReadModels, encodeReadModels } from './readModelCodec.js';
import { initialReadModels, type ReadModels } from './readModels.js';

/** The one snapshot the gateway keeps: every read model, folded up to `checkpoint`. */
export const READ_MODELS_SNAPSHOT = 'read-models';

export interface FoldedModels {
  readonly models: ReadModels;
  readonly checkpoint: number;
  readonly eventId: string | null;
}

export async function snapshotFormat(): Promise<string> {
  return `read-models/${await projectionCodeFingerprint()}/${Object.keys(initialReadModels()).sort().join(',')}`;
}

/** Synchronous on purpose: the models cannot change between reading the checkpoint and encoding. */
export function toSnapshot(folded: FoldedModels, format: string, now: Date): Snapshot {
  return {
    checkpoint: folded.checkpoint,
    eventId: folded.eventId,
    format,
    body: encodeReadModels(folded.models),
    savedAt: now.toISOString(),
  };
}

export function modelsOf(snapshot: Snapshot): ReadModels {
  const decoded = decodeReadModels(snapshot.body) as Record<string, unknown>;
  for (const key of Object.keys(initialReadModels())) {
    // Read models are Maps, or objects holding them (the access policy, the authorization server's records).
    const model = decoded[key];
    if (!(model instanceof Map) && (model === null || typeof model !== 'object'))
      throw new Error(`snapshot has no ${key} model`);
  }
  return decoded as unknown as ReadModels;
}

/**
 * The stored snapshot if it can be trusted for this log and this code: written by the same
 * projection code, and the event at its checkpoint is the one it was folded up to (so a restored
 * backup or another log is recognized). Otherwise undefined, and the caller folds from position 1.
 */
export async function loadSnapshot(
  store: EventStore,
  snapshots: SnapshotStore,
  logger: Logger,
  options: { acceptShorterLog?: boolean } = {},
): Promise<FoldedModels | undefined> {
  const snapshot = await snapshots.load(READ_MODELS_SNAPSHOT);
  if (!snapshot) return undefined;
  const head = await store.headPosition();
  if (snapshot.checkpoint > head) {
    // The snapshot saw events the log no longer has: a rollback or a lost file, never normal.
    const message =
      `The event log has ${head} events but the projection snapshot was folded up to position ` +
      `${snapshot.checkpoint}: events were lost or rolled back.`;
    if (!options.acceptShorterLog) {
      const howTo = 'to accept the loss and rebuild from what the log has, set EVENT_LOG_ACCEPT_SHORTER=true';
      throw new AppError('store_unavailable', `${message} Refusing to start; ${howTo}`);
    }
    const fields = { head, checkpoint: snapshot.checkpoint };
    logger.warn(
      `${message} Starting anyway (EVENT_LOG_ACCEPT_SHORTER); folding the log from the start`,
      fields,
    );
    return undefined;
  }
  const ignore = (why: string, fields: Record<string, unknown> = {}): undefined => {
    logger.info(`not using the projection snapshot: ${why}; folding the log from the start`, {
      checkpoint: snapshot.checkpoint,
      ...fields,
    });
    return undefined;
  };
  if (snapshot.format !== (await snapshotFormat()))
    return ignore('it was written by different projection code');
  if (snapshot.checkpoint > 0) {
    const [atCheckpoint] = await store.readAll(snapshot.checkpoint, 1);
    if (
      atCheckpoint?.position !== snapshot.checkpoint ||
      atCheckpoint.metadata.eventId !== snapshot.eventId
    ) {
      return ignore('it does not match this event log', { head: await store.headPosition() });
    }
  }
  try {
    return { models: modelsOf(snapshot), checkpoint: snapshot.checkpoint, eventId: snapshot.eventId };
  } catch (e) {
    return ignore('it is unreadable', { error: e });
  }
}

/** What the checkpointer needs from the projector. */
export interface CheckpointSource {
  readonly checkpoint: number;
  readonly lastEventId: string | null;
  readonly readModels: ReadModels;
}

/** Saves the read models every `intervalMs` when they moved on, and once more on stop(). */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private saved: number;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: CheckpointSource,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.saved = source.checkpoint;
  }

  start(): void {
    this.timer = setInterval(() => void this.save(), this.intervalMs);
    this.timer.unref();
  }

  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (this.source.checkpoint <= this.saved) return;
      const format = await snapshotFormat();
      // From here to the encoding nothing awaits, so checkpoint and models belong together.
      const { checkpoint, lastEventId, readModels } = this.source;
      try {
        const snapshot = toSnapshot(
          { models: readModels, checkpoint, eventId: lastEventId },
          format,
          this.clock(),
        );
        await this.snapshots.save(READ_MODELS_SNAPSHOT, snapshot);
        this.saved = checkpoint;
      } catch (error) {
        this.logger.warn('saving the projection snapshot failed; will retry', { error, checkpoint });
      }
    });
    return this.saving;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.save();
  }
}
