import { readdirSync, readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says about a process: its group and start time (clock ticks after boot). */
export interface ProcStat {
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: number;
  readonly zombie: boolean;
}

/** Parses /proc/<pid>/stat; undefined if the process is gone (or there is no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgid = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!Number.isInteger(pgid) || !Number.isFinite(startTime)) return undefined;
  return { pid, pgid, startTime, zombie: state === 'Z' || state === 'X' };
}

/** Every live process, for finding the members of a process group. */
export function allProcesses(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && !stat.zombie) found.push(stat);
  }
  return found;
}

/** Changes at every boot: start times from another boot mean nothing. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}
