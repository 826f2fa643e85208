import type { UserSecretBox } from '../crypto/userSecretBox.js';
import type { EventStore } from '../events/eventStore.js';
import type { SnapshotStore } from '../events/snapshotStore.js';
import type { Logger } from '../logger.js';
import { Checkpointer, loadSnapshot } from '../projections/projectionSnapshots.js';
import type { Projector } from '../projections/projector.js';
import { followDataKeys } from '../runtime/calls/dataKeySync.js';

export interface ProjectionStartDeps {
  readonly projector: Projector;
  /** The raw store: snapshots are checked against its head, not the instrumented wrapper. */
  readonly store: EventStore;
  readonly secretBox: UserSecretBox;
  readonly logger: Logger;
  readonly snapshots?: SnapshotStore;
  readonly checkpointIntervalMs?: number;
  readonly acceptShorterLog?: boolean;
}

/**
 * Restores the read models from the last snapshot (if any), catches up with the log, then follows it:
 * data keys of other instances and periodic checkpoints. Returns the checkpointer to stop at close.
 */
export async function startProjections(deps: ProjectionStartDeps): Promise<Checkpointer | undefined> {
  const { projector, snapshots } = deps;
  const logger = deps.logger.child({ component: 'projector' });
  const restored = snapshots
    ? await loadSnapshot(deps.store, snapshots, logger, { acceptShorterLog: deps.acceptShorterLog ?? false })
    : undefined;
  if (restored) {
    projector.restore(restored.models, restored.checkpoint, restored.eventId);
    deps.logger.info('restored read models from the projection snapshot', {
      checkpoint: restored.checkpoint,
    });
  }
  await projector.start();
  // After catch-up: only what other instances do from now on needs a key reload or a forget.
  projector.on('applied', followDataKeys(deps.secretBox, deps.logger.child({ component: 'data-keys' })));
  if (!snapshots) return undefined;
  const checkpointer = new Checkpointer(projector, snapshots, logger, deps.checkpointIntervalMs ?? 5000);
  checkpointer.start();
  return checkpointer;
}
