import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = 'gateway.id';

/**
 * The identity of this DATA_DIR: a random id created on first start and kept in the directory, so it
 * follows the data (a path would collide between two containers that both mount their own volume at
 * /data). Install directories are marked with it; a gateway only ever deletes directories it marked.
 */
export async function readGatewayId(dataDir: string): Promise<string> {
  const path = join(dataDir, FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(path, `${randomUUID()}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const id = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new Error(`${path} does not hold a gateway id; remove it to get a new one`);
  return id;
}
