/** Where coalesced text goes: a child's stdin, or anything with the same write(). */
export interface WriteTarget {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/**
 * Messages written to one upstream in the same turn of the event loop go out as one write: under
 * concurrent calls that is one syscall (and one pipe wake-up of the server) for many messages
 * instead of one each. Each write still resolves, or rejects, with the write that carried it.
 */
export class CoalescedWriter {
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly target: WriteTarget,
    private readonly schedule: (flush: () => void) => void = setImmediate,
  ) {}

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push(text);
      this.waiters.push({ resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.schedule(() => this.flush());
    });
  }

  /** Writes everything pending now (also what close() calls before ending the stream). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      this.target.write(text, (error) => {
        for (const w of waiters) {
          if (error) w.reject(error);
          else w.resolve();
        }
      });
    } catch (error) {
      for (const w of waiters) w.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
