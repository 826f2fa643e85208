import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that start real processes. */
export const FIXTURE_SERVER = fileURLToPath(new URL('../fixtures/fixtureServer.js', import.meta.url));
/** The tools the fixture server offers at start, in its order. */
export const FIXTURE_TOOLS: readonly string[] = [
  'echo',
  'add',
  'echo_secret',
  'echo_args',
  'slow',
  'crash',
  'log_stderr',
  'get_env',
  'fail',
  'add_tool',
];

/**
 * Whether pid is a live process. A zombie counts as gone: grandchildren reparented to a PID 1
 * that does not reap (common in containers) stay visible to kill(pid, 0) forever.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `predicate` holds; the limit only bounds a hung test, it asserts nothing about speed. */
export async function waitFor(predicate: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class TempScripts {
  private dir: string | undefined;

  async write(name: string, source: string): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'mcp-runtime-test-'));
    const path = join(this.dir, name);
    await writeFile(path, source);
    return path;
  }

  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Kills whatever a failed test left behind (group first, then the pid). */
export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
