import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { Snapshot, SnapshotStore } from './snapshotStore.js';

/**
 * Snapshots as files `<dir>/<name>.json` (mode 0600: they hold ciphertext like the log). Written to
 * a temp file, fsynced and renamed, so a crash leaves the old snapshot or the new one, never half.
 */
export function createFileSnapshotStore(dir: string, logger?: Logger): SnapshotStore {
  const file = (name: string): string => join(dir, `${encodeURIComponent(name)}.json`);
  return {
    async load(name) {
      let text: string;
      try {
        text = await readFile(file(name), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      try {
        return JSON.parse(text) as Snapshot;
      } catch {
        logger?.warn('ignoring an unreadable projection snapshot', { path: file(name) });
        return undefined;
      }
    },
    async save(name, snapshot) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const current = await this.load(name);
      if (current && current.checkpoint > snapshot.checkpoint) return;
      const temp = `${file(name)}.${process.pid}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(snapshot));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file(name));
      const dirHandle = await open(dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    },
    async drop(name) {
      await rm(file(name), { force: true });
    },
  };
}
