import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { newAdminToken } from './accessTokens.js';

export const ADMIN_TOKEN_FILE = 'admin.token';

/**
 * The embedded default when ADMIN_TOKEN is unset: a random admin token generated once into
 * DATA_DIR with owner-only permissions. The log names the file, never the token.
 */
export async function loadOrCreateAdminToken(dataDir: string, logger: Logger): Promise<string> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077)
      logger.warn('admin token file is readable by group or others; chmod 600 it', {
        path,
        mode: mode.toString(8),
      });
    if (existing.length >= 32) {
      logger.info('ADMIN_TOKEN is not set: using the admin token stored in the data directory', { path });
      return existing;
    }
    throw new Error(
      `The admin token in ${path} is shorter than 32 characters; delete the file to generate a new one`,
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = newAdminToken();
  await writeFile(path, token + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn(
    'ADMIN_TOKEN is not set: generated an admin token; send it as "Authorization: Bearer <token>"',
    { path },
  );
  return token;
}
