import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './runtime/processTestUtils.js';
import {
  exited,
  hasExited,
  processesMatching,
  startGatewayProcess,
  type GatewayProcess,
} from './support/gatewayProcess.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const HOSTILE = fileURLToPath(new URL('./fixtures/hostileServer.js', import.meta.url));
const ADMIN = 'sandbox-main-admin-token-long-enough-0123456789';
const KEY = 'sandbox-main key material, long enough: 0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

const startMain = (env: Record<string, string>): Promise<GatewayProcess> =>
  startGatewayProcess({ PATH: process.env.PATH ?? '', ...env });

/** Runs main.js expecting it to exit at start; resolves with its code and output. */
function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PORT: '0', PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

describe('the gateway process with the server sandbox', function () {
  this.timeout(60_000);
  let dataDir: string;
  let running: GatewayProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-sandbox-main-'));
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'leaves no sandboxed server behind when the gateway is SIGKILLed, ' +
      'even one that ignores its closed stdin',
    async () => {
      running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: KEY, ADMIN_TOKEN: ADMIN });
      expect(running.output.join('\n')).to.contain('server sandbox on');
      const res = await fetch(`${running.url}/mcp/servers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          name: 'stay',
          command: process.execPath,
          args: [HOSTILE],
          env: { HOSTILE_STAY: '1' },
        }),
      });
      expect(res.status).to.equal(200);
      await waitFor(() => processesMatching(HOSTILE).length > 0, 'the sandboxed server to start', 20_000);
      running.child.kill('SIGKILL');
      await exited(running.child);
      await waitFor(
        () => processesMatching(HOSTILE).length === 0,
        'every sandboxed process to die with the gateway',
        20_000,
      );
    },
  );

  it('refuses to start, saying why, when bubblewrap is missing', async () => {
    const { code, output } = await failedStart({
      DATA_DIR: dataDir,
      SECRETS_KEY: KEY,
      ADMIN_TOKEN: ADMIN,
      SANDBOX_BWRAP: '/nonexistent/bwrap',
    });
    expect(code).to.equal(1);
    expect(output)
      .to.contain('bubblewrap (/nonexistent/bwrap) was not found')
      .and.contain('apt-get install -y bubblewrap')
      .and.contain('SANDBOX=off');
  });

  it('runs unsandboxed with SANDBOX=off and warns about it at start', async () => {
    running = await startMain({ DATA_DIR: dataDir, SECRETS_KEY: KEY, ADMIN_TOKEN: ADMIN, SANDBOX: 'off' });
    expect(running.output.join('\n')).to.contain('SANDBOX=off').and.contain('UNSANDBOXED');
  });

  it('reads SECRETS_KEY and ADMIN_TOKEN from *_FILE, and refuses both forms at once', async () => {
    const keyFile = join(dataDir, 'key.txt');
    const tokenFile = join(dataDir, 'token.txt');
    await writeFile(keyFile, `${KEY}\n`);
    await writeFile(tokenFile, `${ADMIN}\n`);
    running = await startMain({
      DATA_DIR: join(dataDir, 'data'),
      SECRETS_KEY_FILE: keyFile,
      ADMIN_TOKEN_FILE: tokenFile,
    });
    expect((await fetch(`${running.url}/mcp/tools`, { headers: auth })).status).to.equal(200);
    expect(running.output.join('\n')).not.to.contain(KEY);
    running.child.kill('SIGTERM');
    await exited(running.child);
    const both = await failedStart({
      DATA_DIR: join(dataDir, 'data'),
      SECRETS_KEY: KEY,
      SECRETS_KEY_FILE: keyFile,
      ADMIN_TOKEN: ADMIN,
    });
    expect(both.code).to.equal(1);
    expect(both.output).to.contain('set SECRETS_KEY or SECRETS_KEY_FILE, not both');
  });
});
