import { IdleLeases } from '../core/idleLeases.js';
import type { ConnectionSlot } from './connectionSlot.js';

/**
 * Per-user connections of one remote server: created lazily (the slot opens single-flight),
 * evicted after `idleMs` without calls. Eviction keeps the persisted session, so the next
 * connection resumes it (or re-initializes if the server forgot it meanwhile).
 */
export class UserConnections {
  private readonly leases: IdleLeases<string, ConnectionSlot>;

  constructor(create: (username: string) => ConnectionSlot, idleMs: number) {
    this.leases = new IdleLeases({ create, idleMs, release: (slot) => slot.close(false) });
  }

  get size(): number {
    return this.leases.size;
  }

  /** Runs `work` on this user's slot; the slot is not evicted while work is in flight. */
  use<T>(username: string, work: (slot: ConnectionSlot) => Promise<T>): Promise<T> {
    return this.leases.use(username, work);
  }

  /** Drops one user's connection now (e.g. new tokens were stored after a refused refresh). */
  reset(username: string): Promise<void> {
    return this.leases.reset(username);
  }

  closeAll(terminate: boolean): Promise<void> {
    return this.leases.closeAll((slot) => slot.close(terminate));
  }
}
