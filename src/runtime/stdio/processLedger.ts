import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProcesses, bootId, procStat, type ProcStat } from './procInfo.js';

/** A process identity that survives PID reuse: pid plus start time since boot. */
interface Identity {
  readonly pid: number;
  readonly startTime: number;
}

interface LedgerFile {
  readonly bootId: string;
  readonly owner: Identity;
  readonly groups: Identity[];
}

/**
 * The process groups this gateway started, on disk (DATA_DIR/run/processes-<pid>.json), rewritten at
 * every spawn and exit. Node has no PR_SET_PDEATHSIG for children (and it would not reach
 * grandchildren), so a gateway killed with SIGKILL cannot stop its servers itself: the next start
 * reads the files of runs that are gone and stops what they left (`reapOrphans`).
 */
export class ProcessLedger {
  private readonly groups = new Map<number, number>();
  private readonly path: string;
  private failing = false;

  private constructor(
    private readonly dir: string,
    private readonly header: { bootId: string; owner: Identity },
    private readonly onError: (error: unknown) => void,
  ) {
    this.path = join(dir, `processes-${header.owner.pid}.json`);
  }

  /** Undefined without /proc (not Linux): nothing can be recorded reliably, the exit hook still applies. */
  /** `onError`: told (once per run of failures) when the ledger cannot be written; spawns go on regardless. */
  static open(dir: string, onError: (error: unknown) => void = () => undefined): ProcessLedger | undefined {
    const boot = bootId();
    const self = procStat(process.pid);
    if (boot === undefined || self === undefined) return undefined;
    mkdirSync(dir, { recursive: true });
    const ledger = new ProcessLedger(
      dir,
      {
        bootId: boot,
        owner: { pid: self.pid, startTime: self.startTime },
      },
      onError,
    );
    ledger.write();
    return ledger;
  }

  added(pid: number): void {
    const stat = procStat(pid);
    if (!stat) return; // already gone: nothing to leave behind
    this.groups.set(pid, stat.startTime);
    this.write();
  }

  removed(pid: number): void {
    if (this.groups.delete(pid)) this.write();
  }

  /** A clean exit: every group was stopped, nothing to reap next time. */
  discard(): void {
    rmSync(this.path, { force: true });
  }

  /**
   * Never throws: it runs inside every spawn and exit, and a ledger that cannot be written (the run
   * directory removed under a live gateway, a full disk) must not fail a spawn or crash the gateway.
   * A removed directory is made again; other failures are reported once until a write succeeds.
   */
  private write(): void {
    const body: LedgerFile = {
      ...this.header,
      groups: [...this.groups].map(([pid, startTime]) => ({ pid, startTime })),
    };
    const text = JSON.stringify(body);
    try {
      this.writeFile(text);
    } catch (error) {
      try {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        mkdirSync(this.dir, { recursive: true });
        this.writeFile(text);
      } catch (again) {
        if (!this.failing) this.onError(again);
        this.failing = true;
        return;
      }
    }
    this.failing = false;
  }

  private writeFile(text: string): void {
    const temp = join(this.dir, `.processes-${this.header.owner.pid}.tmp`);
    // No fsync: this guards against the gateway dying, not the machine (a reboot ends every process anyway).
    writeFileSync(temp, text);
    renameSync(temp, this.path);
  }
}

export interface ReapReport {
  readonly runs: number;
  readonly groups: number;
  readonly processes: number;
}

/**
 * Stops the process groups recorded by runs that are gone. A group is signalled only when it is
 * provably the one recorded: same boot, the recording gateway no longer alive (a live one on a shared
 * DATA_DIR keeps its own), and either its leader alive with the recorded start time, or (leader gone)
 * members still in that group that started after it; a PID the kernel handed to someone else is never
 * touched. Children that left the group (setsid) are out of reach; sandboxed servers die with the gateway.
 */
export function reapOrphans(dir: string, signal: (pgid: number) => void = killGroup): ReapReport {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^processes-\d+\.json$/.test(n));
  } catch {
    return { runs: 0, groups: 0, processes: 0 };
  }
  const boot = bootId();
  let processes: ProcStat[] | undefined;
  const report = { runs: 0, groups: 0, processes: 0 };
  for (const name of names) {
    const path = join(dir, name);
    const ledger = readLedger(path);
    if (ledger && isSame(ledger.owner)) continue; // its gateway still runs (this one included)
    if (ledger && ledger.bootId === boot) {
      processes ??= allProcesses();
      for (const group of ledger.groups) {
        const members = membersOf(group, processes);
        if (members.length === 0) continue;
        signal(group.pid);
        report.groups++;
        report.processes += members.length;
      }
      report.runs++;
    }
    rmSync(path, { force: true });
  }
  return report;
}

function membersOf(group: Identity, processes: readonly ProcStat[]): ProcStat[] {
  const leader = processes.find((p) => p.pid === group.pid);
  if (leader && leader.startTime !== group.startTime) return []; // the PID was reused
  return processes.filter(
    (p) => p.pgid === group.pid && p.startTime >= group.startTime && p.pid !== process.pid,
  );
}

const isSame = (who: Identity): boolean => procStat(who.pid)?.startTime === who.startTime;

function readLedger(path: string): LedgerFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LedgerFile>;
    const valid = (i: unknown): i is Identity =>
      typeof i === 'object' &&
      i !== null &&
      Number.isInteger((i as Identity).pid) &&
      (i as Identity).pid > 1 &&
      Number.isFinite((i as Identity).startTime);
    if (
      typeof parsed.bootId !== 'string' ||
      !valid(parsed.owner) ||
      !Array.isArray(parsed.groups) ||
      !parsed.groups.every(valid)
    )
      return undefined;
    return parsed as LedgerFile;
  } catch {
    return undefined;
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}
