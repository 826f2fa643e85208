import type { ConnectionSlot } from './connectionSlot.js';

interface Entry {
  readonly slot: ConnectionSlot;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Per-user connections of one remote server: created lazily (the slot opens single-flight),
 * evicted after `idleMs` without calls. Eviction keeps the persisted session, so the next
 * connection resumes it (or re-initializes if the server forgot it meanwhile).
 */
export class UserConnections {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly create: (username: string) => ConnectionSlot,
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Runs `work` on this user's slot; the slot is not evicted while work is in flight. */
  async use<T>(username: string, work: (slot: ConnectionSlot) => Promise<T>): Promise<T> {
    let entry = this.entries.get(username);
    if (!entry) {
      entry = { slot: this.create(username), inFlight: 0, timer: undefined };
      this.entries.set(username, entry);
    }
    const current = entry;
    clearTimeout(current.timer);
    current.inFlight += 1;
    try {
      return await work(current.slot);
    } finally {
      current.inFlight -= 1;
      if (current.inFlight === 0 && this.entries.get(username) === current) {
        current.timer = setTimeout(() => void this.evict(username, current), this.idleMs);
        current.timer.unref();
      }
    }
  }

  /** Drops one user's connection now (e.g. new tokens were stored after a refused refresh). */
  async reset(username: string): Promise<void> {
    const entry = this.entries.get(username);
    if (entry) await this.evict(username, entry, true);
  }

  async closeAll(terminate: boolean): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map((e) => {
        clearTimeout(e.timer);
        return e.slot.close(terminate);
      }),
    );
  }

  private async evict(username: string, entry: Entry, force = false): Promise<void> {
    if (this.entries.get(username) !== entry || (entry.inFlight > 0 && !force)) return;
    clearTimeout(entry.timer);
    this.entries.delete(username);
    await entry.slot.close(false);
  }
}
