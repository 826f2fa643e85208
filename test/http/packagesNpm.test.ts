import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { callText, packageTestEnv, toolNames } from '../support/packageTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('package management with npm (local registry)', function () {
  this.timeout(60_000);
  let registry: LocalNpmRegistry;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
  });
  after(async () => {
    await registry.close();
  });
  beforeEach(async () => {
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url } });
  });
  afterEach(async () => {
    await gw.close();
    await cleanupHome();
  });

  it('installs, lists, checks for updates, upgrades to a version with new tools, and uninstalls', async () => {
    const res = await gw.request('POST', '/packages/install', { name: NPM_FIXTURE_NAME, version: '1.0.0', serverName: 'fixture' });
    expect(res.status, res.text).to.equal(200);
    const pkg = res.body.package as Record<string, unknown>;
    const installPath = join(gw.dataDir, 'packages', 'npm', 'fixture');
    expect(pkg).to.include({ name: NPM_FIXTURE_NAME, version: '1.0.0', status: 'installed', mcpServerId: 'fixture', enabled: true, runtime: 'node', installPath });
    expect(res.body.server).to.include({ name: 'fixture', command: 'node' });
    const server = await waitForStatus(gw, 'fixture', ['connected']);
    expect(toolNames(server)).to.deep.equal(['greet']);
    expect(await callText(gw, 'fixture', 'greet', { name: 'ada' })).to.equal('hello ada from 1.0.0');
    expect(existsSync(join(installPath, 'node_modules', NPM_FIXTURE_NAME, 'postinstall-env.json')), 'scripts are off by default').to.equal(false);

    const list = await gw.request('GET', '/packages');
    expect((list.body.packages as Array<Record<string, unknown>>).map((p) => p.mcpServerId)).to.deep.equal(['fixture']);
    expect((await gw.request('GET', '/packages/by-id/fixture')).body.package).to.include({ version: '1.0.0' });
    expect((await gw.request('GET', `/packages/by-name/${NPM_FIXTURE_NAME}`)).body.package).to.include({ mcpServerId: 'fixture' });

    let updates = await gw.request('GET', '/packages/updates');
    expect(updates.body.updates).to.deep.equal([{ serverName: 'fixture', currentVersion: '1.0.0', latestVersion: '1.0.0', updateAvailable: false }]);
    await registry.publish(npmFixtureFiles('2.0.0'));
    updates = await gw.request('GET', '/packages/updates?name=fixture');
    expect(updates.body.updates).to.deep.equal([{ serverName: 'fixture', currentVersion: '1.0.0', latestVersion: '2.0.0', updateAvailable: true }]);
    const checked = await gw.request('GET', '/packages?checkUpdates=true');
    expect((checked.body.packages as Array<Record<string, unknown>>)[0]).to.include({ latestVersion: '2.0.0', updateAvailable: true });

    const oldPid = server.pid as number;
    const up = await gw.request('PUT', '/packages/fixture/upgrade', {});
    expect(up.status, up.text).to.equal(200);
    expect(up.body.package).to.include({ version: '2.0.0', status: 'installed', updateAvailable: false });
    expect(up.body.package).to.have.property('lastUpgraded');
    await waitFor(() => (gw.gateway.pool.snapshot('fixture')?.toolsList.length ?? 0) === 2, 'the upgraded tools');
    expect(await callText(gw, 'fixture', 'farewell', { name: 'ada' })).to.equal('goodbye ada from 2.0.0');
    await waitFor(() => !isAlive(oldPid), 'the old version to stop');

    const del = await gw.request('DELETE', '/packages/fixture');
    expect(del.status, del.text).to.equal(200);
    expect(del.body).to.deep.equal({ success: true });
    expect((await gw.request('GET', '/mcp/servers/fixture')).status).to.equal(404);
    expect((await gw.request('GET', '/packages/by-id/fixture')).status).to.equal(404);
    expect(existsSync(installPath)).to.equal(false);
  });
});
