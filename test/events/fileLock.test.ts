import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { exited, hasExited } from '../support/gatewayProcess.js';

const locks = createRequire(import.meta.url)('fs-native-extensions') as { tryLock(fd: number): boolean };

async function lockIsFree(path: string): Promise<boolean> {
  const handle = await open(path, 'r+');
  try {
    return locks.tryLock(handle.fd);
  } finally {
    await handle.close();
  }
}

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

interface Namespaced {
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves with 'listening' or the exit code. */
  readonly outcome: Promise<'listening' | number | null>;
}

/** A real gateway as pid 1 of its own PID namespace (as in a container); it dies with `unshare`. */
function startInPidNamespace(dataDir: string): Namespaced {
  const child = spawn(
    'unshare',
    ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, MAIN],
    {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const outcome = new Promise<'listening' | number | null>((resolve) => {
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        if (line.includes('mcp-api listening')) resolve('listening');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve(code));
  });
  return { child, output, outcome };
}

describe('one writer per event log, across PID namespaces', function () {
  this.timeout(90_000);
  let dataDir: string;
  const started: ChildProcess[] = [];

  before(function () {
    if (
      process.getuid?.() !== 0 ||
      spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0
    )
      this.skip();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lock-ns-'));
  });
  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (!hasExited(child)) child.kill('SIGKILL'); // --kill-child: the gateway gets SIGKILL too
      await exited(child);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (): Namespaced => {
    const gateway = startInPidNamespace(dataDir);
    started.push(gateway.child);
    return gateway;
  };

  it('refuses a second gateway in another PID namespace, even after the lock file is deleted', async () => {
    const first = start();
    expect(await first.outcome).to.equal('listening');

    const second = start();
    expect(await second.outcome).to.equal(1);
    // Both run as pid 1 of their namespace: a pid-file lock would have taken the first's lock as its own.
    expect(second.output.join('\n'))
      .to.contain('another gateway holds the write lock on')
      .and.to.contain('(pid 1 on host');

    await rm(join(dataDir, 'events', 'events.lock'));
    const third = start();
    expect(await third.outcome).to.equal(1);
    expect(third.output.join('\n')).to.contain('another gateway holds the write lock on');
    expect(hasExited(first.child)).to.equal(false);
  });

  it('needs no clean-up after the writer is killed: the kernel drops the lock with the process', async () => {
    const first = start();
    expect(await first.outcome).to.equal('listening');
    first.child.kill('SIGKILL'); // unshare --kill-child takes the gateway down with SIGKILL
    await exited(first.child);
    expect(await stat(join(dataDir, 'events', 'events.lock')).then(() => true)).to.equal(true);
    // The gateway (pid 1 inside) dies just after unshare: wait until the kernel has released its lock.
    for (let i = 0; i < 100 && !(await lockIsFree(join(dataDir, 'events', 'events.log'))); i++)
      await new Promise((r) => setTimeout(r, 50));
    const second = start();
    expect(await second.outcome).to.equal('listening');
  });
});
