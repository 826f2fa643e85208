import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, killQuietly, waitFor } from './runtime/processTestUtils.js';
import { exited, hasExited, startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.js';

const KEY = 'main-orphans-test key material, long enough: 0123456789';
const ADMIN = 'main-orphans-admin-token-long-enough-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

/**
 * An MCP server that outlives its gateway unless someone stops it: it ignores stdin EOF, holds a
 * timer, and has a child of its own in its process group (it tells its pid on stderr).
 */
const STUBBORN_SERVER = `'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
process.stderr.write('child ' + child.pid + '\\n');
setInterval(() => {}, 1000);
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const send = (msg) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\\n');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  if (msg.id === undefined) return;
  if (msg.method === 'initialize') {
    return send({
      id: msg.id,
      result: {
        protocolVersion: msg.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'stubborn', version: '1' }
      }
    });
  }
  if (msg.method === 'tools/list') return send({ id: msg.id, result: { tools: [] } });
  send({ id: msg.id, result: {} });
});
`;

describe('no orphans after kill -9 of the gateway (src/main.ts)', function () {
  this.timeout(90_000);
  let dir: string;
  let running: GatewayProcess | undefined;
  const leftovers: number[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-api-orphans-'));
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    for (const pid of leftovers.splice(0)) killQuietly(pid);
    await rm(dir, { recursive: true, force: true });
  });

  const start = (): Promise<GatewayProcess> =>
    startGatewayProcess({
      PATH: process.env.PATH ?? '',
      DATA_DIR: join(dir, 'data'),
      SECRETS_KEY: KEY,
      ADMIN_TOKEN: ADMIN,
      // The unsandboxed path: sandboxed servers die with the gateway (bwrap --die-with-parent, test/mainSandbox);
      // without the sandbox, the next start must stop what the killed run left behind.
      SANDBOX: 'off',
    });
  const stubborn = async (url: string): Promise<{ pid: number; child: number }> => {
    for (;;) {
      const res = await fetch(`${url}/mcp/servers/stubborn`, { headers: auth });
      const server = ((await res.json()) as { server: { status: string; pid?: number; logs: string[] } })
        .server;
      const line = server.logs.find((l) => l.startsWith('child '));
      if (server.status === 'connected' && server.pid && line)
        return { pid: server.pid, child: Number(line.slice('child '.length)) };
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('stops, at the next start, the servers and their children a SIGKILLed run left running', async () => {
    const script = join(dir, 'stubborn.cjs');
    await writeFile(script, STUBBORN_SERVER);
    running = await start();
    const body = JSON.stringify({ name: 'stubborn', command: process.execPath, args: [script] });
    await fetch(`${running.url}/mcp/servers`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    const first = await stubborn(running.url);
    leftovers.push(first.pid, first.child);

    running.child.kill('SIGKILL');
    await exited(running.child);
    expect(isAlive(first.pid) && isAlive(first.child), 'without the ledger these would run forever').to.equal(
      true,
    );

    running = await start();
    await waitFor(
      () => !isAlive(first.pid) && !isAlive(first.child),
      'the orphaned server and its child to be stopped',
    );
    expect(running.output.join('\n')).to.contain('stopped server processes a previous run left behind');
    const second = await stubborn(running.url);
    leftovers.push(second.pid, second.child);
    expect(second.pid).to.not.equal(first.pid);
    expect(await readdir(join(dir, 'data', 'run')), 'only the live run has a ledger').to.deep.equal([
      `processes-${running.child.pid}.json`,
    ]);

    running.child.kill('SIGTERM');
    expect(await exited(running.child)).to.equal(0);
    await waitFor(() => !isAlive(second.pid) && !isAlive(second.child), 'a clean stop to stop them too');
    expect(await readdir(join(dir, 'data', 'run')), 'a clean exit leaves no ledger').to.deep.equal([]);
  });
});
