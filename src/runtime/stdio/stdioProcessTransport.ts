import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  deserializeMessage,
  serializeMessage,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import { DEFAULT_MAX_MESSAGE_BYTES, tooLargeAnswer } from '../core/oversized.js';
import { CoalescedWriter } from './coalescedWriter.js';
import { MessageLines, type OversizedLine } from './messageLines.js';
import type { ProcessRegistry } from './processRegistry.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import { DEFAULT_MAX_STDERR_LINE, StderrLineSplitter } from './stderrLineSplitter.js';

/**
 * MCP stdio transport owning its child process. Unlike the SDK's StdioClientTransport it reports
 * the exit code and signal, uses exactly the env it is given, and runs the child in its own
 * process group so the shutdown ladder also reaches grandchildren (npx → node, sh → server).
 */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StdioProcessOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string | undefined;
  /** Wait between each step of the shutdown ladder. */
  graceMs?: number;
  /** A message (line) larger than this fails the request it answers; unattributable, it closes the transport. */
  maxMessageBytes?: number;
  maxStderrLineLength?: number;
  registry?: ProcessRegistry | undefined;
  /** Runs the child inside the server's sandbox (bwrap); absent: unsandboxed (SANDBOX=off). */
  sandbox?: SpawnWrapper | undefined;
}

export const DEFAULT_GRACE_MS = 2000;
export { DEFAULT_MAX_MESSAGE_BYTES, RESULT_TOO_LARGE_CODE } from '../core/oversized.js';

/** The child could not be spawned at all (ENOENT, EACCES, bad cwd). */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
}

export const describeExit = (exit: ProcessExit | undefined): string =>
  exit === undefined
    ? 'unknown exit'
    : exit.signal !== null
      ? `signal ${exit.signal}`
      : `code ${String(exit.code)}`;

export class StdioProcessTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onstderrLine?: ((line: string) => void) | undefined;
  onexit?: ((exit: ProcessExit) => void) | undefined;
  onspawn?: ((pid: number) => void) | undefined;

  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly lines: MessageLines;
  private readonly stderr: StderrLineSplitter;
  private readonly graceMs: number;
  private exit: ProcessExit | undefined;
  private selfCloseReason: string | undefined;
  private finished = false;
  private closing: Promise<void> | undefined;
  private readonly whenFinished: Promise<void>;
  private markFinished: () => void = () => undefined;
  private writer: CoalescedWriter | undefined;

  constructor(private readonly options: StdioProcessOptions) {
    const limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.lines = new MessageLines(
      limit,
      (line) => this.handleLine(line),
      (line) => this.handleOversized(line),
    );
    this.stderr = new StderrLineSplitter(
      (line) => this.onstderrLine?.(line),
      options.maxStderrLineLength ?? DEFAULT_MAX_STDERR_LINE,
    );
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.whenFinished = new Promise((resolve) => (this.markFinished = resolve));
  }

  get pid(): number | undefined {
    return this.finished ? undefined : this.child?.pid;
  }

  /** How the process ended, once it has. */
  get exitInfo(): ProcessExit | undefined {
    return this.exit;
  }

  /** Set when the transport closed itself for a protocol reason (e.g. an oversized message). */
  get closeReason(): string | undefined {
    return this.selfCloseReason;
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('StdioProcessTransport already started'));
    const { command, args, env, cwd } = this.options.sandbox?.(this.options) ?? this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        env,
        cwd,
        shell: false,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      this.child = child;
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        if (child.pid !== undefined) {
          this.options.registry?.add(child.pid);
          this.onspawn?.(child.pid);
        }
        resolve();
      });
      child.on('error', (error) => {
        if (spawned) return this.onerror?.(error);
        const reason = (error as NodeJS.ErrnoException).code ?? error.message;
        reject(
          new SpawnError(`Failed to start "${command}": ${reason} (${error.message})`, { cause: error }),
        );
        this.finish();
      });
      child.once('exit', (code, signal) => this.handleExit(code, signal));
      child.once('close', () => this.finish());
      child.stdout.on('data', (chunk: Buffer) => this.handleStdout(chunk));
      child.stderr.on('data', (chunk: Buffer) => this.stderr.write(chunk));
      for (const stream of [child.stdin, child.stdout, child.stderr])
        stream.on('error', (e: Error) => this.onerror?.(e));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.finished || this.exit || !stdin.writable)
      return Promise.reject(new Error('Not connected'));
    this.writer ??= new CoalescedWriter(stdin);
    return this.writer.write(serializeMessage(message));
  }

  /** Shutdown ladder: end stdin, then SIGTERM the group, then SIGKILL it; resolves once the process is gone. */
  close(): Promise<void> {
    this.closing ??= this.runLadder();
    return this.closing;
  }

  private async runLadder(): Promise<void> {
    const child = this.child;
    if (!child || this.finished) return this.finish();
    this.writer?.flush();
    child.stdin.end();
    if (await this.exitedWithin(this.graceMs)) return this.whenFinished;
    this.signalGroup('SIGTERM');
    if (await this.exitedWithin(this.graceMs)) return this.whenFinished;
    this.signalGroup('SIGKILL');
    return this.whenFinished;
  }

  private exitedWithin(ms: number): Promise<boolean> {
    if (this.exit || this.finished) return Promise.resolve(true);
    const child = this.child;
    return new Promise((resolve) => {
      const onExit = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        child?.off('exit', onExit);
        resolve(false);
      }, ms);
      child?.once('exit', onExit);
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child?.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  private handleStdout(chunk: Buffer): void {
    this.lines.append(chunk);
  }

  private handleLine(line: string): void {
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line);
    } catch (error) {
      // A non-JSON line is dropped; the stream goes on (same as the SDK transport).
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.onmessage?.(message);
  }

  /** The answer was too big to take: the request it answers fails with a typed error; the server keeps running. */
  private handleOversized(line: OversizedLine): void {
    const { size, limit, id } = line;
    if (id === undefined) {
      this.selfCloseReason ??= `server sent a message of ${size} bytes (limit ${limit}) that answers no known request`;
      this.onerror?.(new Error(this.selfCloseReason));
      void this.close();
      return;
    }
    this.onmessage?.(tooLargeAnswer(id, size, limit));
  }

  private handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = { code, signal };
    // Leftovers in the group (grandchildren) are orphans now; they also keep our pipes open.
    this.signalGroup('SIGKILL');
    // A grandchild that left the group may still hold the pipes; do not wait for 'close' forever.
    setTimeout(() => {
      if (this.finished) return;
      this.child?.stdout.destroy();
      this.child?.stderr.destroy();
      this.finish();
    }, this.graceMs).unref();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const pid = this.child?.pid;
    if (pid !== undefined) this.options.registry?.remove(pid);
    this.stderr.end();
    this.lines.clear();
    if (this.exit) this.onexit?.(this.exit);
    this.markFinished();
    this.onclose?.();
  }
}
