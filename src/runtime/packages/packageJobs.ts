import { AppError, isAppError } from '../../errors.js';
import type { JobIO } from './npmInstaller.js';

export type JobKind = 'install' | 'upgrade' | 'uninstall';
export type JobStatus = 'running' | 'succeeded' | 'failed';

export type JobEvent =
  { type: 'line'; line: string } | { type: 'done'; status: Exclude<JobStatus, 'running'> };

const MAX_LINES = 1000;

/**
 * One install, upgrade or uninstall of one server's package. Its output lines are runtime state
 * (memory, bounded), not events; the outcome is an event written by the job itself.
 */
export class Job<T = unknown> {
  readonly lines: string[] = [];
  status: JobStatus = 'running';
  finishedAt: Date | undefined;
  error: AppError | undefined;
  readonly result: Promise<T>;
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private readonly controller = new AbortController();

  constructor(
    readonly id: string,
    readonly serverName: string,
    readonly kind: JobKind,
    readonly startedAt: Date,
    body: (io: JobIO) => Promise<T>,
  ) {
    const io: JobIO = { log: (line) => this.push(line), signal: this.controller.signal };
    this.result = Promise.resolve()
      .then(() => body(io))
      .then(
        (value) => {
          this.finish('succeeded');
          return value;
        },
        (e: unknown) => {
          this.error = isAppError(e)
            ? e
            : new AppError('package_install_failed', e instanceof Error ? e.message : String(e));
          this.finish('failed');
          throw this.error;
        },
      );
    // A client that only follows the log must not turn a failed job into an unhandled rejection.
    this.result.catch(() => undefined);
  }

  /** Lines so far, then live lines and the end; returns the unsubscribe function. */
  follow(listener: (event: JobEvent) => void): () => void {
    for (const line of [...this.lines]) listener({ type: 'line', line });
    if (this.status !== 'running') {
      listener({ type: 'done', status: this.status });
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  abort(): void {
    this.controller.abort();
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.shift();
    for (const l of [...this.listeners]) l({ type: 'line', line });
  }

  private finish(status: Exclude<JobStatus, 'running'>): void {
    this.status = status;
    this.finishedAt = new Date();
    for (const l of [...this.listeners]) l({ type: 'done', status });
    this.listeners.clear();
  }
}

/** At most one job per server name at a time; the last job per name stays readable for its log. */
export class PackageJobs {
  private readonly active = new Map<string, Job>();
  private readonly last = new Map<string, Job>();

  constructor(
    private readonly newId: () => string,
    private readonly clock: () => Date,
  ) {}

  /**
   * Reserves the name, runs `prologue` (the command that records the start; its error is the
   * caller's, e.g. a 409), then starts `body` in the background and returns the job.
   */
  async start<T>(
    serverName: string,
    kind: JobKind,
    prologue: () => Promise<void>,
    body: (io: JobIO) => Promise<T>,
  ): Promise<Job<T>> {
    const running = this.active.get(serverName);
    if (running) {
      throw new AppError(
        'package_busy',
        `The package of server ${serverName} is busy (${running.kind} running); try again when it has finished`,
        {
          serverName,
        },
      );
    }
    let proceed!: (go: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (proceed = resolve));
    const job = new Job<T>(this.newId(), serverName, kind, this.clock(), async (io) => {
      if (!(await gate)) throw new AppError('package_busy', 'not started');
      return body(io);
    });
    this.active.set(serverName, job as Job);
    try {
      await prologue();
    } catch (e) {
      this.active.delete(serverName);
      proceed(false);
      throw e;
    }
    void job.result.then(
      () => this.settle(serverName, job as Job),
      () => this.settle(serverName, job as Job),
    );
    proceed(true);
    return job;
  }

  /** The running job of a server, else its last one. */
  get(serverName: string): Job | undefined {
    return this.active.get(serverName) ?? this.last.get(serverName);
  }

  isBusy(serverName: string): boolean {
    return this.active.has(serverName);
  }

  /** Cancels every running job (their installers are killed) and waits until each has recorded its outcome. */
  async abortAll(): Promise<void> {
    const running = [...this.active.values()];
    for (const job of running) job.abort();
    await Promise.all(running.map((j) => j.result.catch(() => undefined)));
  }

  private settle(serverName: string, job: Job): void {
    if (this.active.get(serverName) === job) this.active.delete(serverName);
    this.last.set(serverName, job);
  }
}
