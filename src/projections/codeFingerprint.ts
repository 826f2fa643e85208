import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: Promise<string> | undefined;

/**
 * A hash of the code that decides what read models contain: the compiled projections, event
 * schemas, and the deciders (some read models fold with a decider's own `evolve`). A snapshot is reused only by
 * the very same code, so a changed fold can never be served
 * from a snapshot built by the old one (no version constant anyone could forget to bump).
 */
export function projectionCodeFingerprint(): Promise<string> {
  cached ??= (async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const hash = createHash('sha256');
    const events = join(here, '..', 'events');
    for (const dir of [here, events, join(here, '..', 'commands')]) {
      const files = (await readdir(dir))
        .filter((f) => f.endsWith('.js') && (dir !== events || /Events\.js$/.test(f)))
        .sort();
      for (const f of files) hash.update(f).update(await readFile(join(dir, f)));
    }
    return hash.digest('hex').slice(0, 16);
  })();
  return cached;
}
