/** Told about every group added and removed (the on-disk ledger the next start reaps from). */
export interface RegistryObserver {
  added(pid: number): void;
  removed(pid: number): void;
}

/**
 * Live child process groups, so the composition root's synchronous process.on('exit') hook can
 * kill every one of them: no MCP server may outlive the gateway, even on an unplanned exit.
 */
export class ProcessRegistry {
  private readonly pids = new Set<number>();

  constructor(private readonly observer?: RegistryObserver) {}

  add(pid: number): void {
    this.pids.add(pid);
    this.observer?.added(pid);
  }

  remove(pid: number): void {
    if (this.pids.delete(pid)) this.observer?.removed(pid);
  }

  has(pid: number): boolean {
    return this.pids.has(pid);
  }

  list(): number[] {
    return [...this.pids];
  }

  get size(): number {
    return this.pids.size;
  }

  /**
   * Signals each tracked process group (children are spawned as group leaders), falling back to
   * the pid alone if the group is gone. Synchronous by design: it runs inside 'exit' handlers.
   */
  killAllSync(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const pid of this.pids) {
      if (!trySignal(-pid, signal)) trySignal(pid, signal);
    }
  }
}

function trySignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    // ESRCH (already gone) or EPERM: nothing more we can do from here.
    return false;
  }
}
