/**
 * Lets callers wait for a state (e.g. "connected") that a probe decides. Each waiter re-checks
 * on notify() and removes itself, and its abort listener, once it settles: nothing accumulates
 * on the long-lived owner or on the caller's signal.
 */
export type Probe<T> = () => { ready: T } | { failed: unknown } | undefined;

export class ReadinessGate<T> {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly probe: Probe<T>) {}

  wait(signal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const outcome = this.probe();
        if (outcome === undefined && !signal.aborted) return;
        this.waiters.delete(check);
        signal.removeEventListener('abort', check);
        if (outcome === undefined) reject(signal.reason);
        else if ('ready' in outcome) resolve(outcome.ready);
        else reject(outcome.failed);
      };
      this.waiters.add(check);
      signal.addEventListener('abort', check);
      check();
    });
  }

  /** The ready value right now, without waiting (and without a listener on any signal). */
  now(): T | undefined {
    const outcome = this.probe();
    return outcome !== undefined && 'ready' in outcome ? outcome.ready : undefined;
  }

  /** Call after every state change. */
  notify(): void {
    for (const check of [...this.waiters]) check();
  }

  get pending(): number {
    return this.waiters.size;
  }
}
