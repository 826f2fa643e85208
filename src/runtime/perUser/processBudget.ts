import { AppError } from '../../errors.js';

/** A per-user process as the caps see it. */
export interface BudgetedProcess {
  /** ms timestamp of the last call start or end. */
  readonly lastUsed: number;
  /** A call is running or waiting for it: never evicted then. */
  readonly busy: boolean;
  /** Stops the process and forgets it at once (counts drop now); resolves once the process is gone. */
  evict(reason: string): Promise<void>;
}

/** The least recently used process that is not busy, if any. */
export function leastRecentlyUsedIdle<T extends BudgetedProcess>(candidates: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const p of candidates) if (!p.busy && (!best || p.lastUsed < best.lastUsed)) best = p;
  return best;
}

export const tooManyProcesses = (message: string, details: Record<string, unknown>): AppError =>
  new AppError('too_many_processes', message, details);

/**
 * The gateway-wide cap on per-user processes, shared by every per-user server. Making room stops
 * the least recently used idle process anywhere; when all are busy the new one is refused (429).
 */
export class ProcessBudget {
  private readonly members = new Set<BudgetedProcess>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.members.size;
  }

  add(process: BudgetedProcess): void {
    this.members.add(process);
  }

  remove(process: BudgetedProcess): void {
    this.members.delete(process);
  }

  /**
   * Frees one place if the budget is full; returns the eviction to wait for before spawning (so
   * the number of live processes never exceeds the cap), or throws too_many_processes.
   */
  makeRoom(): Promise<void> {
    if (this.members.size < this.limit) return Promise.resolve();
    const victim = leastRecentlyUsedIdle(this.members);
    if (!victim) {
      throw tooManyProcesses(
        `The gateway already runs its maximum of ${this.limit} per-user server processes and all are busy; retry ` +
          `shortly`,
        { limit: this.limit, scope: 'gateway' },
      );
    }
    return victim.evict('least recently used, making room for another user');
  }
}
