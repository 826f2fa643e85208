import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleCommand } from '../../../src/commands/commandHandler.js';
import { packageDecider, type PackageCommand } from '../../../src/commands/packageDecider.js';
import { serverDecider } from '../../../src/commands/serverDecider.js';
import { packageStreamId, type PackageSpec } from '../../../src/events/packageEvents.js';
import { serverStreamId } from '../../../src/events/serverEvents.js';
import { openFileEventStore } from '../../../src/events/fileEventStore.js';
import { silentLogger } from '../../../src/logger.js';
import { fallbackOwner, MARKER } from '../../../src/runtime/packages/installRoots.js';
import { FIXTURE_SERVER } from '../processTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

const SPEC: PackageSpec = { runtime: 'node', name: 'some-pkg', allowScripts: false, customCommand: false };
const meta = () => ({ now: new Date('2026-01-01T00:00:00Z'), newId: randomUUID, actor: 'test' });
const config = {
  transport: { transportType: 'stdio' as const, command: process.execPath, args: [FIXTURE_SERVER], env: {} },
  timeout: 5000,
  startupTimeout: 5000,
};

/** Writes what a gateway that crashed at a given step would have left: events and directories. */
async function leftBehind(
  dataDir: string,
  write: (
    pkg: (name: string, c: PackageCommand) => Promise<void>,
    server: typeof registerServer,
  ) => Promise<void>,
): Promise<void> {
  const store = await openFileEventStore({ dir: join(dataDir, 'events'), logger: silentLogger() });
  const pkg = async (name: string, command: PackageCommand): Promise<void> =>
    void (await handleCommand(store, packageStreamId(name), packageDecider, command, meta()));
  registerServerStore = store;
  await write(pkg, registerServer);
  await store.close();
}
let registerServerStore: Awaited<ReturnType<typeof openFileEventStore>>;
async function registerServer(name: string, serverId: string): Promise<void> {
  await handleCommand(
    registerServerStore,
    serverStreamId(name),
    serverDecider,
    { type: 'RegisterServer', data: { serverId, name, config, enabled: true } },
    meta(),
  );
}

async function installDir(
  dataDir: string,
  serverName: string,
  installId: string | undefined,
): Promise<string> {
  const dir = join(dataDir, 'packages', 'npm', serverName);
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  const owner = fallbackOwner(join(dataDir, 'packages', 'npm'));
  if (installId)
    await writeFile(join(dir, MARKER), JSON.stringify({ serverName, installId, runtime: 'node', owner }));
  return dir;
}

describe('package recovery at start', function () {
  this.timeout(30_000);
  let dataDir: string;
  let gw: TestGateway | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-pkg-recovery-'));
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const pkgOf = async (name: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const res = await gw!.request('GET', `/packages/by-id/${name}`);
      const p = res.body.package as Record<string, unknown>;
      if (p.status !== 'installing' && p.status !== 'upgrading') return p;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it(
    'closes an install that crashed after registering its server: ' +
      'the server goes, the install is failed, the files go',
    async () => {
      const serverId = randomUUID();
      const dir = await installDir(dataDir, 'half', 'inst-1');
      await leftBehind(dataDir, async (pkg, server) => {
        await pkg('half', {
          type: 'StartInstall',
          data: { installId: 'inst-1', serverName: 'half', serverId, spec: SPEC, installPath: dir },
        });
        await server('half', serverId);
      });
      gw = await startTestGateway({ dataDir });
      const p = await pkgOf('half');
      expect(p).to.include({ status: 'error' });
      expect(String(p.error)).to.contain('stopped during this install');
      expect((await gw.request('GET', '/mcp/servers/half')).status).to.equal(404);
      expect(existsSync(dir)).to.equal(false);
      const events = (await gw.store.readStream(packageStreamId('half'))).map((e) => [
        e.type,
        e.data.interrupted,
      ]);
      expect(events).to.deep.equal([
        ['PackageInstallStarted', undefined],
        ['PackageInstallFailed', true],
      ]);
    },
  );

  it('leaves a server of the same name registered by someone else alone', async () => {
    const dir = await installDir(dataDir, 'shared', 'inst-2');
    await leftBehind(dataDir, async (pkg, server) => {
      await pkg('shared', {
        type: 'StartInstall',
        data: {
          installId: 'inst-2',
          serverName: 'shared',
          serverId: 'planned-id',
          spec: SPEC,
          installPath: dir,
        },
      });
      await server('shared', 'someone-elses-id');
    });
    gw = await startTestGateway({ dataDir });
    expect(await pkgOf('shared')).to.include({ status: 'error' });
    await waitForStatus(gw, 'shared', ['connected']);
  });

  it('marks an interrupted upgrade failed and keeps the server and its files', async () => {
    const serverId = randomUUID();
    const dir = await installDir(dataDir, 'upg', 'inst-3');
    await leftBehind(dataDir, async (pkg, server) => {
      await pkg('upg', {
        type: 'StartInstall',
        data: { installId: 'inst-3', serverName: 'upg', serverId, spec: SPEC, installPath: dir },
      });
      await server('upg', serverId);
      await pkg('upg', {
        type: 'CompleteInstall',
        data: {
          installId: 'inst-3',
          version: '1.0.0',
          entry: { command: process.execPath, args: [FIXTURE_SERVER] },
        },
      });
      await pkg('upg', {
        type: 'StartUpgrade',
        data: { upgradeId: 'up-1', serverName: 'upg', targetVersion: 'latest' },
      });
    });
    gw = await startTestGateway({ dataDir });
    const p = await pkgOf('upg');
    expect(p).to.include({ status: 'error', version: '1.0.0' });
    expect(String(p.error)).to.contain('stopped during this upgrade');
    await waitForStatus(gw, 'upg', ['connected']);
    expect(existsSync(dir)).to.equal(true);
  });

  it('deletes a marked directory no package owns, never an unmarked one', async () => {
    const orphan = await installDir(dataDir, 'orphan', 'inst-old');
    const foreign = await installDir(dataDir, 'foreign', undefined);
    await leftBehind(dataDir, async () => undefined);
    gw = await startTestGateway({ dataDir });
    const deadline = Date.now() + 10_000;
    while (existsSync(orphan) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(orphan)).to.equal(false);
    expect(existsSync(foreign)).to.equal(true);
    const res = await gw.request('POST', '/packages/install', { name: 'left-pad', serverName: 'foreign' });
    expect(res.status).to.equal(409);
    expect(String(res.body.error)).to.contain('was not created by mcp-api');
  });

  it('never deletes an orphan-looking directory another gateway marked (roots shared between DATA_DIRs)', async () => {
    const dir = join(dataDir, 'packages', 'npm', 'elsewhere');
    await mkdir(join(dir, 'node_modules'), { recursive: true });
    await writeFile(
      join(dir, MARKER),
      JSON.stringify({
        serverName: 'elsewhere',
        installId: 'inst-b',
        runtime: 'node',
        owner: 'another-gateway',
      }),
    );
    const orphan = await installDir(dataDir, 'orphan', 'inst-old');
    await leftBehind(dataDir, async () => undefined);
    gw = await startTestGateway({ dataDir });
    // Package writes wait for recovery: once this 404 comes back, the sweep is over.
    expect((await gw.request('DELETE', '/packages/nothing-here')).status).to.equal(404);
    expect(existsSync(orphan), 'our own orphan is swept in the same pass').to.equal(false);
    expect(existsSync(join(dir, MARKER))).to.equal(true);
  });
});
