interface Lease<T> {
  readonly value: T;
  inFlight: number;
  timer: unknown;
}

/** The timers idle eviction runs on; tests pass a manual clock instead of sleeping. */
export interface IdleTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers, unref'd: an idle lease never keeps the process alive. */
export const REAL_TIMERS: IdleTimers = {
  set(fire, ms) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export interface IdleLeasesOptions<K, T> {
  /** Builds the value for a key on its first use (synchronous: concurrent first uses share one). */
  readonly create: (key: K) => T;
  /** Ends a value that was evicted (idle, reset or evicted with a reason). */
  readonly release: (value: T, key: K, reason: string) => Promise<void>;
  /** A value unused for this long is evicted. */
  readonly idleMs: number;
  readonly timers?: IdleTimers | undefined;
}

/**
 * Values created per key on first use and evicted after `idleMs` without use; never while a use is
 * in flight. Per-user connections of a remote server and per-user processes both live on it.
 */
export class IdleLeases<K, T> {
  private readonly leases = new Map<K, Lease<T>>();
  private readonly timers: IdleTimers;

  constructor(private readonly o: IdleLeasesOptions<K, T>) {
    this.timers = o.timers ?? REAL_TIMERS;
  }

  get size(): number {
    return this.leases.size;
  }

  get(key: K): T | undefined {
    return this.leases.get(key)?.value;
  }

  values(): T[] {
    return [...this.leases.values()].map((lease) => lease.value);
  }

  /** Runs `work` on this key's value; the value is not evicted while work is in flight. */
  async use<R>(key: K, work: (value: T) => Promise<R>): Promise<R> {
    let lease = this.leases.get(key);
    if (!lease) {
      lease = { value: this.o.create(key), inFlight: 0, timer: undefined };
      this.leases.set(key, lease);
    }
    const current = lease;
    this.timers.clear(current.timer);
    current.inFlight += 1;
    try {
      return await work(current.value);
    } finally {
      current.inFlight -= 1;
      if (current.inFlight === 0) this.arm(key, current);
    }
  }

  /** Restarts this key's idle period (something other than a use made it fresh). */
  touch(key: K): void {
    const lease = this.leases.get(key);
    if (lease && lease.inFlight === 0) this.arm(key, lease);
  }

  /** Drops one key's value now, even in use (its users keep the value they hold). */
  async reset(key: K, reason = 'reset'): Promise<void> {
    const lease = this.leases.get(key);
    if (lease) await this.evict(key, lease, reason, true);
  }

  /** Drops `value` now if it is still this key's value (a stale handle evicts nothing). */
  async evictValue(key: K, value: T, reason: string): Promise<void> {
    const lease = this.leases.get(key);
    if (lease?.value === value) await this.evict(key, lease, reason, true);
  }

  /** Ends every value; `release` says how. */
  async closeAll(release: (value: T) => Promise<void>): Promise<void> {
    const all = [...this.leases.values()];
    this.leases.clear();
    await Promise.all(
      all.map((lease) => {
        this.timers.clear(lease.timer);
        return release(lease.value);
      }),
    );
  }

  private arm(key: K, lease: Lease<T>): void {
    if (this.leases.get(key) !== lease) return;
    this.timers.clear(lease.timer);
    lease.timer = this.timers.set(
      () => void this.evict(key, lease, `idle for ${this.o.idleMs} ms`),
      this.o.idleMs,
    );
  }

  private async evict(key: K, lease: Lease<T>, reason: string, force = false): Promise<void> {
    if (this.leases.get(key) !== lease || (lease.inFlight > 0 && !force)) return;
    this.timers.clear(lease.timer);
    this.leases.delete(key);
    await this.o.release(lease.value, key, reason);
  }
}
