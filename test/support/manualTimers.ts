import type { IdleTimers } from '../../src/runtime/core/idleLeases.js';

/** Timers that fire only when the test moves the clock: idle eviction without sleeping. */
export class ManualTimers implements IdleTimers {
  private nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fire: () => void }>();
  readonly now = (): number => this.nowMs;

  set(fire: () => void, ms: number): number {
    const id = this.nextId++;
    this.pending.set(id, { at: this.nowMs + ms, fire });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    this.nowMs += ms;
    for (const [id, timer] of [...this.pending]) {
      if (timer.at > this.nowMs) continue;
      this.pending.delete(id);
      timer.fire();
    }
  }
}
