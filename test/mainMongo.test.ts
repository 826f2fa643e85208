import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongoTarget, testDbName, type MongoTestTarget } from './support/mongoTestStore.js';
import { exited, startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const KEY = 'main-mongo test key material 0123456789abcdef';

/** The real composition root as a process, with this PATH (children such as npm need one). */
const startMain = (env: Record<string, string>): Promise<GatewayProcess> =>
  startGatewayProcess({ PATH: process.env.PATH ?? '', ...env });

describe('two gateway processes (src/main.ts) on one MongoDB', () => {
  let target: MongoTestTarget;
  let dataDir: string;
  const running: GatewayProcess[] = [];

  beforeEach(async () => {
    target = await startMongoTarget();
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-main-mongo-'));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
      await exited(r.child);
    }
    await rm(dataDir, { recursive: true, force: true });
    await target.close();
  });

  it('selects MongoDB from MONGO_URL, and a write on one process is read on the other', async () => {
    const env = { MONGO_URL: target.url, MONGO_DBNAME: testDbName(), SECRETS_KEY: KEY, AUTH: 'none' };
    const a = await startMain({ ...env, DATA_DIR: join(dataDir, 'a') });
    running.push(a);
    const b = await startMain({ ...env, DATA_DIR: join(dataDir, 'b') });
    running.push(b);
    expect(JSON.parse(a.output.find((l) => l.includes('mcp-api listening'))!)).to.include({
      eventStore: 'mongo',
    });

    const body = { name: 'shared', command: process.execPath, args: ['-e', '0'], enabled: false };
    const created = await fetch(`${a.url}/mcp/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(created.status).to.equal(200);
    const deadline = Date.now() + 1000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${b.url}/mcp/servers/shared`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).to.equal(200);

    for (const r of [a, b]) r.child.kill('SIGTERM');
    expect(await exited(a.child)).to.equal(0);
    expect(await exited(b.child)).to.equal(0);
  });

  it('refuses to start on MongoDB without a shared SECRETS_KEY, naming the variable', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, MONGO_URL: target.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    expect(await exited(child)).to.equal(1);
    expect(output).to.contain('SECRETS_KEY: required with the MongoDB store');
  });
});
