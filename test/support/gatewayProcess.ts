import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly url: string;
}

/** Starts the real composition root (dist/src/main.js), in `cwd` if given, and waits for its "listening" line. */
export async function startGatewayProcess(
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        if (line.includes('mcp-api listening'))
          resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output.join('\n')}`)));
  });
  return { child, output, url };
}

export const hasExited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

/** Resolves with the exit code (null after a signal). */
export const exited = (child: ChildProcess): Promise<number | null> =>
  hasExited(child)
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** Pids of live processes whose command line contains `needle` (Linux /proc). */
export function processesMatching(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(needle))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
