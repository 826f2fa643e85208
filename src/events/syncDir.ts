import { open } from 'node:fs/promises';

/**
 * fsyncs a directory so a file just created, renamed or removed in it survives a crash: the
 * file's own fsync does not make its directory entry durable.
 */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
