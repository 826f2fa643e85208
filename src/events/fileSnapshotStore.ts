import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { Snapshot, SnapshotStore } from './snapshotStore.js';

/**
 * Snapshots as files `<dir>/<name>.json` (mode 0600: they hold ciphertext like the log). Written to
 * a temp file, fsynced and renamed, so a crash leaves the old snapshot or the new one, never half.
 */
export function createFileSnapshotStore(dir: string, logger?: Logger): SnapshotStore {
  const file = (name: string): string => join(dir, `${encodeURIComponent(name)}.json`);
  let swept: Promise<void> | undefined;
  // A save interrupted by a crash or a full disk leaves its temp file: remove them once, at first use.
  const sweep = (): Promise<void> =>
    (swept ??= readdir(dir).then(
      async (names) => {
        for (const name of names.filter((n) => n.endsWith('.tmp'))) {
          await rm(join(dir, name), { force: true });
          logger?.info('removed a leftover snapshot temp file', { path: join(dir, name) });
        }
      },
      () => undefined,
    ));
  return {
    async load(name) {
      await sweep();
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
      try {
        const handle = await open(temp, 'w', 0o600);
        try {
          await handle.writeFile(JSON.stringify(snapshot));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file(name));
      } catch (e) {
        // Left behind, a half-written snapshot would keep a full disk full.
        await rm(temp, { force: true });
        throw e;
      }
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
