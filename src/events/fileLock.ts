import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { segmentFile } from './fileSegments.js';

export const LOCK_FILE = 'events.lock';

interface NativeLocks {
  tryLock(fd: number): boolean;
}
const locks = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;

export interface FileLock {
  /** Segment 0, open read-write: the file the lock is held on. */
  readonly handle: FileHandle;
  release(): Promise<void>;
}

/**
 * One writer per log, enforced by the kernel: an exclusive open-file-description lock
 * (fcntl F_OFD_SETLK, through fs-native-extensions) on the log's first segment, `events.log`.
 * The kernel holds it for as long as the file is open, across PID namespaces and containers that
 * share the volume, and drops it when the process dies however it dies, so there is no stale lock
 * to guess about. It sits on the log itself, not on a separate lock file, so deleting a file
 * cannot admit a second writer without deleting the log.
 *
 * `events.lock` only tells the operator who holds the lock (pid, host, start time); it is never
 * trusted for the decision.
 */
export async function acquireLogLock(dir: string): Promise<FileLock> {
  const path = segmentFile(dir, 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    let locked: boolean;
    try {
      locked = locks.tryLock(handle.fd);
      // The path may have been replaced between open and lock (an upgrade renames a new log into
      // place): a lock on a file the path no longer names protects nothing.
      const current = await stat(path).then(
        (s) => s.ino,
        () => -1,
      );
      if (locked && current === (await handle.stat()).ino) return await holding(dir, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
    await handle.close();
    if (!locked)
      throw new AppError(
        'store_unavailable',
        `Cannot open the event store: ${await describeHolder(dir)} (only one writer at a time)`,
      );
  }
  throw new AppError(
    'store_unavailable',
    `Cannot open the event store: ${path} kept being replaced while locking it`,
  );
}

/** Locks a file just created under another name (before it is renamed into place as segment 0). */
export async function lockNewFile(dir: string, handle: FileHandle): Promise<FileLock> {
  if (!locks.tryLock(handle.fd))
    throw new AppError('store_unavailable', 'Cannot lock a newly created event log file');
  return holding(dir, handle);
}

async function holding(dir: string, handle: FileHandle): Promise<FileLock> {
  const instance = randomUUID();
  const info = { pid: process.pid, host: hostname(), instance, since: new Date().toISOString() };
  await writeFile(join(dir, LOCK_FILE), JSON.stringify(info) + '\n', { mode: 0o600 });
  let released = false;
  return {
    handle,
    async release() {
      if (released) return;
      released = true;
      const current = await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => '');
      if (current.includes(instance)) await unlink(join(dir, LOCK_FILE)).catch(() => undefined);
      await handle.close();
    },
  };
}

async function describeHolder(dir: string): Promise<string> {
  const path = segmentFile(dir, 0);
  const text = await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => '');
  try {
    const holder = JSON.parse(text) as { pid?: unknown; host?: unknown; since?: unknown };
    return (
      `another gateway holds the write lock on ${path} (pid ${String(holder.pid)} on host ` +
      `${String(holder.host)}, since ${String(holder.since)})`
    );
  } catch {
    return (
      `another gateway holds the write lock on ${path} (who: unknown, ${join(dir, LOCK_FILE)} is missing or ` +
      `unreadable)`
    );
  }
}
