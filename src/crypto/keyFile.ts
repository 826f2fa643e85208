import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

export const KEY_FILE_NAME = 'secrets.key';

/**
 * The embedded default: with no SECRETS_KEY configured, a random key is generated once into
 * DATA_DIR with owner-only permissions, so a fresh clone runs without setup yet still encrypts.
 */
export async function loadOrCreateKeyFile(dataDir: string, logger: Logger): Promise<string> {
  const path = join(dataDir, KEY_FILE_NAME);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077)
      logger.warn('secrets key file is readable by group or others; chmod 600 it', {
        path,
        mode: mode.toString(8),
      });
    return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  await writeFile(path, key + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn(
    'SECRETS_KEY is not set: generated a random secrets key; back it up, losing it loses every stored secret',
    { path },
  );
  return key;
}
