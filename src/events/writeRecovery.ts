import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isDiskFull } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StoreHealth } from './eventStore.js';

const PROBE_FILE = 'write-probe.tmp';
const PROBE_BYTES = 64 * 1024;
const RETRY_MS = 1000;

export interface WriteRecovery {
  /** The error every append gets while writes are failing; undefined when they can succeed. */
  failure(): AppError | undefined;
  /** Records a failed write and starts recovering; returns the typed error to throw. */
  failed(cause: unknown): AppError;
  health(): StoreHealth;
  stop(): void;
}

export function storageError(cause: unknown): AppError {
  if (isDiskFull(cause)) {
    return new AppError(
      'storage_full',
      'The disk holding the event log is full; the write was not stored. Free space and retry',
      {},
      { cause },
    );
  }
  return new AppError('store_unavailable', 'Event log write failed; it was not stored', {}, { cause });
}

/**
 * After a failed write or fsync the bytes past the committed end are unknown. Every append fails at
 * once (507 when the disk is full) until the log is cut back to its committed end (`restore`) and a
 * probe write of 64 KiB succeeds; that is retried every second, so the store recovers by itself when
 * space returns, without a restart, and readiness reports "not writable" meanwhile.
 */
export function createWriteRecovery(options: {
  dir: string;
  logger?: Logger;
  idle: () => Promise<void>;
  restore: () => Promise<void>;
}): WriteRecovery {
  let current: AppError | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt(): Promise<boolean> {
    // Batches queued behind the failed one fail on `current`; wait until none is in flight.
    await options.idle();
    try {
      await options.restore();
      await probe(options.dir);
      return true;
    } catch (error) {
      if (!isDiskFull(error)) options.logger?.warn('event log still not writable', { error });
      return false;
    }
  }

  function recover(): void {
    running ??= (async () => {
      while (!stopped && !(await attempt())) {
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, RETRY_MS);
          timer.unref();
        });
      }
      if (!stopped) {
        options.logger?.info('event log writable again', { after: current?.code });
        current = undefined;
      }
      running = undefined;
    })();
  }

  return {
    failure: () => current,
    failed(cause) {
      if (!current) {
        current = storageError(cause);
        options.logger?.error('event log write failed; appends are refused until it is writable again', {
          code: current.code,
          error: cause,
        });
        recover();
      }
      return current;
    },
    health: () =>
      current ? { writable: false, detail: current.message } : { writable: true, detail: 'writable' },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

async function probe(dir: string): Promise<void> {
  const path = join(dir, PROBE_FILE);
  try {
    const handle = await open(path, 'w', 0o600);
    try {
      await handle.write(Buffer.alloc(PROBE_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
