/**
 * Bounds how many servers start at once (spawn + initialize + tools/list): a cold start with
 * hundreds of servers would otherwise fork them all in one tick and starve the event loop, the
 * HTTP server included. Waiters are served in order. Release functions are idempotent.
 */
export class StartGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('start concurrency must be a positive integer');
  }

  /** Servers currently holding a slot. */
  get inProgress(): number {
    return this.active;
  }

  /** Waits for a slot; resolves undefined (and leaves the queue) if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', cancel);
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      const cancel = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(undefined);
      };
      if (this.active < this.limit) return grant();
      this.waiting.push(grant);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }
}
