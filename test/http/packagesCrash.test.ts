import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../runtime/processTestUtils.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import {
  exited,
  hasExited,
  processesMatching,
  startGatewayProcess,
  type GatewayProcess,
} from '../support/gatewayProcess.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { packageTestEnv } from '../support/packageTestUtils.js';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function poll(what: string, check: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a gateway killed during an install (real process, SIGKILL)', function () {
  this.timeout(90_000);
  let registry: LocalNpmRegistry;
  let dataDir: string;
  let running: GatewayProcess | undefined;
  let cleanupHome: () => Promise<void>;
  let env: Record<string, string>;

  beforeEach(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-pkg-crash-'));
    // The installer runs sandboxed as nobody when the tests run as root: it must reach PACKAGES_DIR.
    await chmod(dataDir, 0o711);
    const test = await packageTestEnv();
    cleanupHome = test.cleanup;
    env = {
      ...(Object.fromEntries(Object.entries(test.env).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >),
      DATA_DIR: join(dataDir, 'data'),
      PACKAGES_DIR: join(dataDir, 'packages'),
      NPM_REGISTRY: registry.url,
      // This test is about crash recovery, not authentication.
      AUTH: 'none',
    };
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    await registry.close();
    await rm(dataDir, { recursive: true, force: true });
    await cleanupHome();
  });

  it(
    'rolls the install back at the next start ' +
      '(error, no server, no files, no npm left running) and installs again',
    async () => {
      running = await startGatewayProcess(env);
      registry.hold();
      const body = JSON.stringify({ name: NPM_FIXTURE_NAME, version: '1.0.0', serverName: 'crashy' });
      const pending = fetch(`${running.url}/packages/install`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch(() => undefined);
      await waitFor(
        () => registry.requests.some((r) => r.endsWith('.tgz')),
        'npm to download the tarball',
        30_000,
      );
      const installDir = join(dataDir, 'packages', 'npm', 'crashy');
      expect(existsSync(installDir)).to.equal(true);
      expect(processesMatching(installDir), 'npm runs under its guard').to.not.deep.equal([]);

      running.child.kill('SIGKILL');
      await exited(running.child);
      await pending;
      await waitFor(
        () => processesMatching(installDir).length === 0,
        'the guard to kill npm once the gateway is gone',
        15_000,
      );
      registry.release();

      running = await startGatewayProcess(env);
      const url = running.url;
      await poll('recovery to close the install', async () => {
        const pkg = (await getJson(`${url}/packages/by-id/crashy`)).body.package as
          Record<string, unknown> | undefined;
        return pkg?.status === 'error';
      });
      const pkg = (await getJson(`${url}/packages/by-id/crashy`)).body.package as Record<string, unknown>;
      expect(String(pkg.error)).to.contain('stopped during this install');
      expect((await getJson(`${url}/mcp/servers/crashy`)).status).to.equal(404);
      expect(existsSync(installDir), 'the half-written prefix is deleted').to.equal(false);

      const again = await fetch(`${url}/packages/install`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(again.status, await again.clone().text()).to.equal(200);
      await poll(
        'the reinstalled server to connect',
        async () =>
          ((await getJson(`${url}/mcp/servers/crashy`)).body.server as { status?: string })?.status ===
          'connected',
      );
    },
  );
});
