import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTinyServers } from './fixtures/tinyServer.js';
import { FIXTURE_SERVER, isAlive, waitFor } from './runtime/processTestUtils.js';
import { exited, hasExited, startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const KEY = 'main-ops-test key material, long enough: 0123456789';
const ADMIN = 'main-ops-admin-token-long-enough-0123456789abc';
const auth = { authorization: `Bearer ${ADMIN}` };
const PATH = process.env.PATH ?? '';

describe('the gateway process: operator habits, graceful stop, fast start', function () {
  this.timeout(120_000);
  let dir: string;
  let running: GatewayProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-api-main-ops-'));
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  describe('settings from .env', () => {
    it('reads .env from the working directory, real environment variables winning, and logs no value', async () => {
      const fileToken = `file-token-${randomUUID()}`;
      await writeFile(
        join(dir, '.env'),
        `# like example.env\nDATA_DIR=./from-dotenv\nSECRETS_KEY=${KEY}\nADMIN_TOKEN=${fileToken}\nLOG_LEVEL=info\n`,
      );
      running = await startGatewayProcess({ PATH, ADMIN_TOKEN: ADMIN }, { cwd: dir });
      expect(existsSync(join(dir, 'from-dotenv', 'events')), 'DATA_DIR came from .env').to.equal(true);
      expect(
        (await fetch(`${running.url}/auth/me`, { headers: auth })).status,
        'the real ADMIN_TOKEN won',
      ).to.equal(200);
      expect(
        (await fetch(`${running.url}/auth/me`, { headers: { authorization: `Bearer ${fileToken}` } })).status,
      ).to.equal(401);
      const log = running.output.join('\n');
      expect(log).to.contain('read settings from .env');
      expect(log).to.not.contain(fileToken).and.not.contain(KEY);
    });

    it('starts without a .env as before', async () => {
      running = await startGatewayProcess(
        { PATH, DATA_DIR: join(dir, 'data'), SECRETS_KEY: KEY, ADMIN_TOKEN: ADMIN },
        { cwd: dir },
      );
      expect(running.output.join('\n')).to.not.contain('read settings from .env');
    });
  });

  describe('a port already in use', () => {
    it('is one clear log line and exit code 2, with no stack trace', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      try {
        const env = {
          PATH,
          PORT: String(port),
          DATA_DIR: join(dir, 'data'),
          SECRETS_KEY: KEY,
          ADMIN_TOKEN: ADMIN,
        };
        const child = spawn(process.execPath, [MAIN], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        expect(await exited(child)).to.equal(2);
        const lines = output.split('\n').filter((l) => l.includes('already in use'));
        expect(lines, output).to.have.length(1);
        expect(lines[0]).to.contain(`127.0.0.1:${port} is already in use`);
        expect(output).to.not.match(/^\s+at /m);
      } finally {
        blocker.close();
      }
    });
  });

  describe('SIGTERM', () => {
    it('answers every in-flight tool call before stopping the servers, then exits 0', async () => {
      running = await startGatewayProcess({
        PATH,
        DATA_DIR: join(dir, 'data'),
        SECRETS_KEY: KEY,
        ADMIN_TOKEN: ADMIN,
        DRAIN_TIMEOUT_MS: '30000',
      });
      const url = running.url;
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await post('/mcp/servers', {
        name: 'fx',
        command: process.execPath,
        args: [FIXTURE_SERVER],
        env: { FIXTURE_LOG_SLOW: '1' },
      });
      const server = async (): Promise<{ status: string; pid?: number; logs: string[] }> =>
        (
          (await (await fetch(`${url}/mcp/servers/fx`, { headers: auth })).json()) as {
            server: { status: string; pid?: number; logs: string[] };
          }
        ).server;
      for (let s = await server(); s.status !== 'connected'; s = await server())
        await new Promise((r) => setTimeout(r, 20));
      const pid = (await server()).pid;
      const calls = Array.from({ length: 16 }, () =>
        post('/mcp/tool/call', { serverName: 'fx', methodName: 'slow', args: { ms: 1500 } }).then(
          async (r) => ({ status: r.status, body: await r.text() }),
        ),
      );
      // Every call has reached the server before the signal: these are truly in flight.
      for (
        let s = await server();
        s.logs.filter((l) => l.startsWith('slow started')).length < 16;
        s = await server()
      )
        await new Promise((r) => setTimeout(r, 20));
      running.child.kill('SIGTERM');
      const answers = await Promise.all(calls);
      expect(answers.map((a) => a.status)).to.deep.equal(answers.map(() => 200));
      for (const a of answers) expect(a.body).to.contain('slept 1500 ms');
      expect(await exited(running.child)).to.equal(0);
      expect(isAlive(pid as number)).to.equal(false);
      const log = running.output.join('\n');
      expect(log).to.contain('shutting down').and.not.contain('requests cut off');
    });
  });

  describe('cold start with 200 servers', () => {
    it('listens before starting servers, then starts all of them in the background', async () => {
      const dataDir = join(dir, 'data');
      await registerTinyServers(dir, dataDir, 200);

      running = await startGatewayProcess({
        PATH,
        DATA_DIR: dataDir,
        SECRETS_KEY: KEY,
        ADMIN_TOKEN: ADMIN,
        SERVER_START_CONCURRENCY: '16',
        // Start order is what this tests: the tiny shell servers live in a 0700 temp dir no sandbox uid can read.
        SANDBOX: 'off',
      });
      const output = running.output;
      const connectedCount = (): number => output.filter((l) => l.includes('mcp server connected')).length;
      await waitFor(() => connectedCount() === 200, 'all 200 servers to connect', 100_000);
      const listening = output.findIndex((l) => l.includes('mcp-api listening'));
      const starting = output.findIndex((l) => l.includes('starting servers'));
      const firstConnected = output.findIndex((l) => l.includes('mcp server connected'));
      expect(listening).to.be.greaterThan(-1);
      expect(starting, 'servers start only after the listener is up').to.be.greaterThan(listening);
      expect(firstConnected).to.be.greaterThan(starting);
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).to.equal(200);
    });
  });
});
