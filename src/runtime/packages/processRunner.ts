import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProcessRegistry } from '../stdio/processRegistry.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import { StderrLineSplitter } from '../stdio/stderrLineSplitter.js';

/** One installer command: an argv array (never a shell), an exact env, a time limit. */
export interface RunRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Every stdout/stderr line as it arrives (progress). */
  readonly onLine?: (line: string) => void;
}

export interface RunResult {
  /** Exit code; 128+n when killed by signal n. */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** The last lines of output, for error messages. */
  readonly tail: readonly string[];
}

export type RunProcess = (request: RunRequest) => Promise<RunResult>;

const GUARD = fileURLToPath(new URL('./processGuard.js', import.meta.url));
const TAIL_LINES = 40;

/**
 * Runs commands through processGuard in their own process group: a timeout or abort kills the
 * whole group (npm's and pip's own children included); the registry lets the gateway's exit hook
 * kill what is still running.
 */
export function createProcessRunner(registry?: ProcessRegistry, sandbox?: SpawnWrapper): RunProcess {
  return (original) =>
    new Promise<RunResult>((resolve) => {
      // The guard stays outside (it must see the gateway's pipe close); what it runs is sandboxed.
      const request = sandbox ? { ...original, ...sandbox(original) } : original;
      const tail: string[] = [];
      const onLine = (line: string): void => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        request.onLine?.(line);
      };
      const child = spawn(process.execPath, [GUARD, request.command, ...request.args], {
        env: request.env,
        ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
      });
      const pid = child.pid;
      if (pid !== undefined) registry?.add(pid);
      let timedOut = false;
      let aborted = false;
      const killGroup = (): void => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, request.timeoutMs);
      const onAbort = (): void => {
        aborted = true;
        killGroup();
      };
      if (request.signal?.aborted) onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const out = new StderrLineSplitter(onLine);
      const err = new StderrLineSplitter(onLine);
      child.stdout.on('data', (chunk: Buffer) => out.write(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.write(chunk));
      child.stdin.on('error', () => undefined);
      let settled = false;
      const finish = (code: number | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        if (pid !== undefined) registry?.remove(pid);
        out.end();
        err.end();
        child.stdin.destroy();
        resolve({ code, timedOut, aborted, tail });
      };
      child.on('error', (e) => {
        onLine(`cannot start the installer: ${e.message}`);
        finish(127);
      });
      child.on('close', (code, signal) => finish(code ?? (signal ? 137 : null)));
      // A grandchild that escaped the group could hold the pipes open: do not wait on it forever.
      child.on('exit', (code, signal) =>
        setTimeout(() => finish(code ?? (signal ? 137 : null)), 1000).unref(),
      );
    });
}
