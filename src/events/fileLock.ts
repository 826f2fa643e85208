import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import type { Logger } from '../logger.js';

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes an exclusive, pid-stamped lock file so only one process writes the log. A lock left by a
 * dead process is taken over. Two processes racing over the same stale lock can, in a window of a
 * few syscalls, both win; acceptable for a single-host gateway that is started by a supervisor.
 */
export async function acquireFileLock(path: string, logger?: Logger): Promise<FileLock> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return { path, release: () => release(path) };
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    const holder = await readHolder(path);
    if (holder === 'missing') continue;
    if (holder !== 'unreadable' && (await isHeld(path, holder))) {
      throw new Error(`Cannot open the event store: another gateway process (pid ${holder}) holds ${path}`);
    }
    // Re-check just before removing, so a lock freshly taken by someone else is not deleted.
    if ((await readHolder(path)) !== holder) continue;
    logger?.warn('taking over stale event store lock', { path, stalePid: holder });
    await unlink(path).catch(ignoreMissing);
  }
  throw new Error(`Cannot open the event store: could not acquire ${path}`);
}

async function readHolder(path: string): Promise<number | 'missing' | 'unreadable'> {
  for (let attempt = 0; ; attempt++) {
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    });
    if (text === undefined) return 'missing';
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    // 'wx' creates the file before the pid is written: give a live owner a moment to finish.
    if (attempt >= 2) return 'unreadable';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function isHeld(path: string, pid: number): Promise<boolean> {
  if (pid === process.pid) {
    // Containers restart with the same pid: a lock with our pid that predates this process is a
    // previous incarnation's, one written since is ours (the same directory opened twice).
    const { mtimeMs } = await stat(path);
    return mtimeMs >= performance.timeOrigin;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return isErrno(error, 'EPERM');
  }
}

async function release(path: string): Promise<void> {
  // Never delete a lock that someone else has (wrongly or not) taken over since.
  if ((await readHolder(path)) === process.pid) await unlink(path).catch(ignoreMissing);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function ignoreMissing(error: unknown): void {
  if (!isErrno(error, 'ENOENT')) throw error;
}
