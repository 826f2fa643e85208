import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, hasExited } from './support/gatewayProcess.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
/** The gateway gets few file descriptors, so this many idle sockets would exhaust them without the connection cap. */
const FD_LIMIT = 1024;
const IDLE_SOCKETS = 3000;

/** main.js under prlimit (a low `ulimit -n`), resolved with its port once it listens. */
async function startLimited(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('prlimit', [`--nofile=${FD_LIMIT}`, process.execPath, MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.includes('mcp-api listening')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${String(code)}`)));
  });
  return { child, port };
}

/**
 * The 20,000 idle sockets, scaled to this machine: the test gives the gateway 1024 file
 * descriptors and opens 3000 idle connections (the same ratio, above the fd limit); `ulimit -n` here is
 * 20000 for the test process itself, which holds one end of every socket.
 */
describe('the HTTP listener under idle connections nobody authenticates', function () {
  this.timeout(90_000);
  let dataDir: string;
  let gateway: ChildProcess | undefined;
  const sockets: Socket[] = [];

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-listener-'));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    if (gateway && !hasExited(gateway)) {
      gateway.kill('SIGKILL');
      await exited(gateway);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('caps connections below the fd limit and drops idle ones, so a real client still gets through', async () => {
    const started = await startLimited({
      DATA_DIR: dataDir,
      SECRETS_KEY: 'listener-test key material, long enough: 0123456789',
      ADMIN_TOKEN: 'listener-test-admin-token-long-enough-0123456789',
      SANDBOX: 'off',
      HTTP_MAX_CONNECTIONS: '512',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
    });
    gateway = started.child;
    await Promise.all(
      Array.from(
        { length: IDLE_SOCKETS },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(started.port, '127.0.0.1', () => resolve());
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            sockets.push(s);
          }),
      ),
    );
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${started.port}/healthz`, {
        signal: AbortSignal.timeout(5000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).to.equal(200);
    expect(hasExited(gateway)).to.equal(false);
  });
});
