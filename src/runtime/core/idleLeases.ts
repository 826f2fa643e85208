interface Lease<T> {
  readonly value: T;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
}

export interface IdleLeasesOptions<K, T> {
  /** Builds the value for a key on its first use. */
  readonly create: (key: K) => T;
  /** Ends a value that was evicted (idle, reset or all closed). */
  readonly release: (value: T, key: K) => Promise<void>;
  /** A value unused for this long is evicted. */
  readonly idleMs: number;
}

/**
 * Values created per key on first use and evicted after `idleMs` without use; never while a use is
 * in flight. Per-user connections of a remote server are one; per-user processes follow the same rule.
 */
export class IdleLeases<K, T> {
  private readonly leases = new Map<K, Lease<T>>();

  constructor(private readonly o: IdleLeasesOptions<K, T>) {}

  get size(): number {
    return this.leases.size;
  }

  /** Runs `work` on this key's value; the value is not evicted while work is in flight. */
  async use<R>(key: K, work: (value: T) => Promise<R>): Promise<R> {
    let lease = this.leases.get(key);
    if (!lease) {
      lease = { value: this.o.create(key), inFlight: 0, timer: undefined };
      this.leases.set(key, lease);
    }
    const current = lease;
    clearTimeout(current.timer);
    current.inFlight += 1;
    try {
      return await work(current.value);
    } finally {
      current.inFlight -= 1;
      if (current.inFlight === 0 && this.leases.get(key) === current) {
        current.timer = setTimeout(() => void this.evict(key, current), this.o.idleMs);
        current.timer.unref();
      }
    }
  }

  /** Drops one key's value now, even in use (its users keep the value they hold). */
  async reset(key: K): Promise<void> {
    const lease = this.leases.get(key);
    if (lease) await this.evict(key, lease, true);
  }

  /** Ends every value; `release` says how. */
  async closeAll(release: (value: T) => Promise<void>): Promise<void> {
    const all = [...this.leases.values()];
    this.leases.clear();
    await Promise.all(
      all.map((lease) => {
        clearTimeout(lease.timer);
        return release(lease.value);
      }),
    );
  }

  private async evict(key: K, lease: Lease<T>, force = false): Promise<void> {
    if (this.leases.get(key) !== lease || (lease.inFlight > 0 && !force)) return;
    clearTimeout(lease.timer);
    this.leases.delete(key);
    await this.o.release(lease.value, key);
  }
}
