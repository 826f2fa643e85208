import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { useNpmPackageGateway } from '../support/npmPackageGateway.js';
import { callText, toolNames } from '../support/packageTestUtils.js';
import { approveHeldTool } from '../support/toolPins.js';
import { waitForStatus } from '../support/testGateway.js';

describe('npm packages: installing and uninstalling (local registry)', function () {
  this.timeout(60_000);
  const npm = useNpmPackageGateway();
  const { publishV2 } = npm;

  it('installs, lists, checks for updates, upgrades to a version with new tools, and uninstalls', async () => {
    const { gw } = npm;
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'fixture',
    });
    expect(res.status, res.text).to.equal(200);
    const pkg = res.body.package as Record<string, unknown>;
    const installPath = join(gw.dataDir, 'packages', 'npm', 'fixture');
    expect(pkg).to.include({
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      status: 'installed',
      mcpServerId: 'fixture',
      enabled: true,
      runtime: 'node',
      installPath,
    });
    expect(res.body.server).to.include({ name: 'fixture', command: 'node' });
    const server = await waitForStatus(gw, 'fixture', ['connected']);
    expect(toolNames(server)).to.deep.equal(['greet']);
    expect(await callText(gw, 'fixture', 'greet', { name: 'ada' })).to.equal('hello ada from 1.0.0');
    expect(
      existsSync(join(installPath, 'node_modules', NPM_FIXTURE_NAME, 'postinstall-env.json')),
      'scripts are off by default',
    ).to.equal(false);

    const list = await gw.request('GET', '/packages');
    expect((list.body.packages as Array<Record<string, unknown>>).map((p) => p.mcpServerId)).to.deep.equal([
      'fixture',
    ]);
    expect((await gw.request('GET', '/packages/by-id/fixture')).body.package).to.include({
      version: '1.0.0',
    });
    expect((await gw.request('GET', `/packages/by-name/${NPM_FIXTURE_NAME}`)).body.package).to.include({
      mcpServerId: 'fixture',
    });

    let updates = await gw.request('GET', '/packages/updates');
    expect(updates.body.updates).to.deep.equal([
      { serverName: 'fixture', currentVersion: '1.0.0', latestVersion: '1.0.0', updateAvailable: false },
    ]);
    await publishV2();
    updates = await gw.request('GET', '/packages/updates?name=fixture');
    expect(updates.body.updates).to.deep.equal([
      { serverName: 'fixture', currentVersion: '1.0.0', latestVersion: '2.0.0', updateAvailable: true },
    ]);
    const checked = await gw.request('GET', '/packages?checkUpdates=true');
    expect((checked.body.packages as Array<Record<string, unknown>>)[0]).to.include({
      latestVersion: '2.0.0',
      updateAvailable: true,
    });

    const oldPid = server.pid as number;
    const up = await gw.request('PUT', '/packages/fixture/upgrade', {});
    expect(up.status, up.text).to.equal(200);
    expect(up.body.package).to.include({ version: '2.0.0', status: 'installed', updateAvailable: false });
    expect(up.body.package).to.have.property('lastUpgraded');
    // The new tool is held back (tool pinning) until an admin approves it.
    await approveHeldTool(gw, 'fixture', 'farewell');
    await waitFor(
      () => (gw.gateway.pool.snapshot('fixture')?.toolsList.length ?? 0) === 2,
      'the upgraded tools',
    );
    expect(await callText(gw, 'fixture', 'farewell', { name: 'ada' })).to.equal('goodbye ada from 2.0.0');
    await waitFor(() => !isAlive(oldPid), 'the old version to stop');

    const del = await gw.request('DELETE', '/packages/fixture');
    expect(del.status, del.text).to.equal(200);
    expect(del.body).to.deep.equal({ success: true });
    expect((await gw.request('GET', '/mcp/servers/fixture')).status).to.equal(404);
    expect((await gw.request('GET', '/packages/by-id/fixture')).status).to.equal(404);
    expect(existsSync(installPath)).to.equal(false);
  });

  it('a failed install leaves no server and no files, shows error, and can be installed again', async () => {
    const { gw } = npm;
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '9.9.9',
      serverName: 'broken',
    });
    expect(res.status).to.equal(502);
    expect(res.body).to.include({ success: false, code: 'package_install_failed' });
    expect(String(res.body.error)).to.match(/npm install failed/);
    expect((await gw.request('GET', '/mcp/servers/broken')).status).to.equal(404);
    expect((await gw.request('GET', '/packages/by-id/broken')).body.package).to.include({ status: 'error' });
    expect(existsSync(join(gw.dataDir, 'packages', 'npm', 'broken'))).to.equal(false);
    const retry = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'broken',
    });
    expect(retry.status, retry.text).to.equal(200);
    await waitForStatus(gw, 'broken', ['connected']);
  });

  it('refuses a server name that is taken, without installing anything', async () => {
    const { gw } = npm;
    await gw.request('POST', '/mcp/servers', {
      name: 'taken',
      command: process.execPath,
      args: ['-e', ''],
      enabled: false,
    });
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      serverName: 'taken',
    });
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('server_already_exists');
    expect((await gw.request('GET', '/packages')).body.packages).to.deep.equal([]);
  });

  it('gives two servers of one package their own prefixes: uninstalling one leaves the other running', async () => {
    const { gw } = npm;
    for (const serverName of ['twin-a', 'twin-b']) {
      expect(
        (
          await gw.request('POST', '/packages/install', {
            name: NPM_FIXTURE_NAME,
            version: '1.0.0',
            serverName,
          })
        ).status,
      ).to.equal(200);
    }
    const b = await waitForStatus(gw, 'twin-b', ['connected']);
    expect((await gw.request('DELETE', '/packages/twin-a')).status).to.equal(200);
    expect(existsSync(join(gw.dataDir, 'packages', 'npm', 'twin-a'))).to.equal(false);
    expect(
      existsSync(join(gw.dataDir, 'packages', 'npm', 'twin-b', 'node_modules', NPM_FIXTURE_NAME)),
    ).to.equal(true);
    expect(await callText(gw, 'twin-b', 'greet', { name: 'b' })).to.equal('hello b from 1.0.0');
    expect((await waitForStatus(gw, 'twin-b', ['connected'])).pid).to.equal(b.pid);
  });

  it('runs lifecycle scripts only when allowScripts is set, and never hands them the gateway secrets', async () => {
    const { gw, registry } = npm;
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'scripted',
      allowScripts: true,
      enabled: false,
    });
    expect(res.status, res.text).to.equal(200);
    const envFile = join(
      gw.dataDir,
      'packages',
      'npm',
      'scripted',
      'node_modules',
      NPM_FIXTURE_NAME,
      'postinstall-env.json',
    );
    const env = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>;
    const text = JSON.stringify(env);
    expect(text).to.not.contain('canary-secrets-key');
    expect(text).to.not.contain('canary-mongo-password');
    expect(env).to.not.have.property('SECRETS_KEY');
    expect(env.npm_config_registry).to.equal(registry.url);
    const events = JSON.stringify(await gw.store.readAll(1));
    for (const where of [gw.logs.join('\n'), events])
      expect(where).to.not.contain('canary-secrets-key').and.not.contain('canary-mongo-password');
  });
});
