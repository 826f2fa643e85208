/**
 * Where checkpointed projections live next to the event log: one named snapshot per projection
 * set, holding the position it was folded up to. Opaque to the store (the body is a string the
 * projections encode and decode), so the events layer stays ignorant of read models.
 */
export interface Snapshot {
  /** Last position folded into `body`. */
  readonly checkpoint: number;
  /** The event id at `checkpoint`, so a snapshot of some other log is recognized and ignored. */
  readonly eventId: string | null;
  /** Which code wrote it; a snapshot from different projection code is rebuilt, not trusted. */
  readonly format: string;
  readonly body: string;
  readonly savedAt: string;
}

export interface SnapshotStore {
  load(name: string): Promise<Snapshot | undefined>;
  /** Keeps the newest: a save with a lower checkpoint than the stored one is ignored. */
  save(name: string, snapshot: Snapshot): Promise<void>;
  drop(name: string): Promise<void>;
}

export function createMemorySnapshotStore(): SnapshotStore {
  const snapshots = new Map<string, Snapshot>();
  return {
    load: async (name) => snapshots.get(name),
    async save(name, snapshot) {
      const current = snapshots.get(name);
      if (!current || current.checkpoint <= snapshot.checkpoint) snapshots.set(name, snapshot);
    },
    async drop(name) {
      snapshots.delete(name);
    },
  };
}
