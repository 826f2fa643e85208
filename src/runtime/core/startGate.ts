/**
 * Bounds how many servers start at once (spawn + initialize + tools/list): a cold start with
 * hundreds of servers would otherwise fork them all in one tick and starve the event loop, the
 * HTTP server included. Waiters are served in order. Release functions are idempotent.
 */
export class StartGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('start concurrency must be a positive integer');
  }

  /** Servers currently holding a slot. */
  get inProgress(): number {
    return this.active;
  }

  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      if (this.active < this.limit) grant();
      else this.waiting.push(grant);
    });
  }
}
