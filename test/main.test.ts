import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_SERVER, isAlive, waitFor } from './runtime/processTestUtils.js';
import { exited, hasExited, startGatewayProcess, type GatewayProcess } from './support/gatewayProcess.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const ADMIN = 'main-test-admin-token-long-enough-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

/** The real composition root as a process, with this PATH (children such as npm need one). */
const startMain = (env: Record<string, string>): Promise<GatewayProcess> =>
  startGatewayProcess({ PATH: process.env.PATH ?? '', ...env });

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function connectedPid(url: string, name: string): Promise<number> {
  // A bounded wait, not a speed check: a sandboxed start on a loaded machine takes a while.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const body = (await (await fetch(`${url}/mcp/servers/${name}`, { headers: auth })).json()) as {
      server?: { status: string; pid?: number };
    };
    if (body.server?.status === 'connected' && body.server.pid) return body.server.pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} never connected`);
}

describe('the gateway process (src/main.ts)', () => {
  let dataDir: string;
  let running: GatewayProcess | undefined;
  const key = 'main-test key material, long enough: 0123456789';

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-main-'));
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates a 0600 key file on first start when SECRETS_KEY is unset', async () => {
    running = await startMain({ DATA_DIR: dataDir });
    expect((await stat(join(dataDir, 'secrets.key'))).mode & 0o777).to.equal(0o600);
    expect(running.output.join('\n')).to.contain('generated a random secrets key');
  });

  it('leaves no child behind on SIGTERM, and brings servers back on the next start', async () => {
    running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key, ADMIN_TOKEN: ADMIN });
    await post(`${running.url}/mcp/servers`, {
      name: 'fx',
      command: process.execPath,
      args: [FIXTURE_SERVER],
    });
    const pid = await connectedPid(running.url, 'fx');
    running.child.kill('SIGTERM');
    expect(await exited(running.child)).to.equal(0);
    expect(isAlive(pid)).to.equal(false);

    running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key, ADMIN_TOKEN: ADMIN });
    const again = await connectedPid(running.url, 'fx');
    expect(again).to.not.equal(pid);
  });

  it('leaves no child behind when the gateway is SIGKILLed', async () => {
    running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key, ADMIN_TOKEN: ADMIN });
    await post(`${running.url}/mcp/servers`, {
      name: 'fx',
      command: process.execPath,
      args: [FIXTURE_SERVER],
    });
    const pid = await connectedPid(running.url, 'fx');
    running.child.kill('SIGKILL');
    await exited(running.child);
    // The child sees stdin close and exits on its own.
    await waitFor(() => !isAlive(pid), 'orphaned child to exit');
  });

  it(
    'generates a 0600 admin token file when ADMIN_TOKEN is unset, ' +
      'logs where it is but not the token, and requires it',
    async () => {
      running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key });
      const path = join(dataDir, 'admin.token');
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      const token = (await readFile(path, 'utf8')).trim();
      const log = running.output.join('\n');
      expect(log).to.contain('generated an admin token').and.contain(path);
      expect(log).to.not.contain(token);
      expect((await fetch(`${running.url}/mcp/tools`)).status).to.equal(401);
      expect(
        (await fetch(`${running.url}/mcp/tools`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).to.equal(200);
      expect((await fetch(`${running.url}/healthz`)).status).to.equal(200);
      running.child.kill('SIGTERM');
      await exited(running.child);
      running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key });
      expect(
        (await fetch(`${running.url}/mcp/tools`, { headers: { authorization: `Bearer ${token}` } })).status,
        'the same token after a restart',
      ).to.equal(200);
    },
  );

  it('turns authentication off with AUTH=none, warning at start', async () => {
    running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: key, AUTH: 'none' });
    expect(running.output.join('\n')).to.contain('AUTH=none: authentication is OFF');
    expect((await fetch(`${running.url}/mcp/tools`)).status).to.equal(200);
  });

  it('serves /mcp with the MCP_* and PER_USER_* settings from its environment', async () => {
    running = await startMain({
      DATA_DIR: dataDir,
      SECRETS_KEY: key,
      ADMIN_TOKEN: ADMIN,
      MCP_MAX_SESSIONS_PER_USER: '1',
      PER_USER_MAX_PROCESSES_PER_SERVER: '3',
    });
    await post(`${running.url}/mcp/servers`, {
      name: 'fx',
      command: process.execPath,
      args: [FIXTURE_SERVER],
      secretDelivery: 'env',
    });
    const mcp = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${running!.url}/mcp?username=ann`, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...headers,
        },
        body: JSON.stringify(body),
      });
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const first = (await mcp(init)).headers.get('mcp-session-id') as string;
    // MCP_MAX_SESSIONS_PER_USER=1 and the first session was just used: it is never evicted, the second waits.
    const refused = await mcp(init);
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    expect(
      (await mcp({ jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': first })).status,
    ).to.equal(200);
    const call = await mcp(
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'fx__echo', arguments: { message: 'via main' } },
      },
      { 'mcp-session-id': first },
    );
    const answer = await call.text();
    expect(answer, answer).to.contain('via main');
    const server = (await (await fetch(`${running.url}/mcp/servers/fx`, { headers: auth })).json()) as {
      server: { perUserProcesses: { count: number; limit: number } };
    };
    expect(server.server.perUserProcesses).to.include({ count: 1, limit: 3 });
  });

  it('refuses a weak SECRETS_KEY without printing it', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, SECRETS_KEY: 'hunter2hunter2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    expect(await exited(child)).to.equal(1);
    expect(output).to.contain('refused');
    expect(output).to.not.contain('hunter2');
  });
});
