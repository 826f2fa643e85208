import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { DataKeyStore, WrappedDataKey } from './dataKeyStore.js';
import { syncDir } from '../events/syncDir.js';
import { AppError, isDiskFull } from '../errors.js';

const WrappedDataKeySchema = z.object({
  id: z.string().min(1),
  masterVersion: z.number().int().positive(),
  iv: z.string().min(1),
  tag: z.string().min(1),
  data: z.string().min(1),
  createdAt: z.string(),
});
const UserKeysFile = z.object({ username: z.string().min(1), keys: z.array(WrappedDataKeySchema) });

/**
 * One JSON file per user under `dir` (DATA_DIR/keys), named by a hash of the username so any
 * username is a safe file name and case-insensitive file systems cannot merge two users. Writes go
 * to a temp file that is fsynced and renamed over the old one, then the directory is fsynced.
 */
export function fileDataKeyStore(dir: string): DataKeyStore {
  const fileOf = (username: string): string =>
    join(dir, `${createHash('sha256').update(username).digest('hex')}.json`);
  const content = (username: string, keys: readonly WrappedDataKey[]): string =>
    JSON.stringify({ username, keys }) + '\n';
  const tempOf = (file: string): string => `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

  return {
    async loadAll() {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const users = new Map<string, WrappedDataKey[]>();
      for (const name of await readdir(dir)) {
        if (name.endsWith('.tmp')) {
          // A write that never got renamed: the previous file is still the truth.
          await unlink(join(dir, name)).catch(() => undefined);
          continue;
        }
        if (!name.endsWith('.json')) continue;
        const parsed = UserKeysFile.safeParse(JSON.parse(await readFile(join(dir, name), 'utf8')));
        if (!parsed.success)
          throw new Error(`Data key file ${join(dir, name)} is damaged; refusing to start without it`);
        users.set(parsed.data.username, parsed.data.keys);
      }
      return users;
    },

    async put(username, keys) {
      const file = fileOf(username);
      const temp = tempOf(file);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const handle = await open(temp, 'w', 0o600);
        try {
          await handle.writeFile(content(username, keys));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
        await syncDir(dir);
      } catch (e) {
        // A half-written temp file would keep the disk full after everything else is freed.
        await unlink(temp).catch(() => undefined);
        throw diskFull(e);
      }
    },

    putSync(username, keys) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = fileOf(username);
      const temp = tempOf(file);
      try {
        const fd = openSync(temp, 'w', 0o600);
        try {
          writeFileSync(fd, content(username, keys));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, file);
      } catch (e) {
        rmSync(temp, { force: true });
        throw diskFull(e);
      }
      const dirFd = openSync(dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    },

    async remove(username) {
      const file = fileOf(username);
      let count: number;
      try {
        const parsed = UserKeysFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
        count = parsed.success ? parsed.data.keys.length : 0;
        await unlink(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        return 0;
      }
      await syncDir(dir);
      return count;
    },
  };
}

function diskFull(e: unknown): unknown {
  if (!isDiskFull(e)) return e;
  const message = 'The disk holding the data keys is full; nothing was stored. Free space and retry';
  return new AppError('storage_full', message, {}, { cause: e });
}
