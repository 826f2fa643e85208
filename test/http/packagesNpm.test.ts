import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { callText, packageTestEnv, readEvents, toolNames } from '../support/packageTestUtils.js';
import { approveHeldTool } from '../support/toolPins.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('package management with npm (local registry)', function () {
  this.timeout(60_000);
  let registry: LocalNpmRegistry;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;
  let v2: Promise<void> | undefined;
  /** Version 2.0.0 appears in the registry (once); tests that upgrade call it, whatever ran before. */
  const publishV2 = (): Promise<void> => (v2 ??= registry.publish(npmFixtureFiles('2.0.0')));

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
    registry.release();
    await gw.close();
    await cleanupHome();
  });

  it('installs, lists, checks for updates, upgrades to a version with new tools, and uninstalls', async () => {
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

  it('streams npm output and the result with Accept: text/event-stream, and keeps the log readable', async () => {
    const res = await fetch(`${gw.url}/packages/install`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${gw.adminToken}`,
      },
      body: JSON.stringify({ name: NPM_FIXTURE_NAME, version: '1.0.0', serverName: 'streamed' }),
    });
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    const events = await readEvents(res);
    const lines = events.filter((e) => e.event === 'log').map((e) => String(e.data.line));
    expect(lines[0]).to.match(/^\$ npm install mcp-fixture-pkg@1\.0\.0 .*--ignore-scripts/);
    expect(lines).to.include('registered server streamed');
    const last = events[events.length - 1]!;
    expect(last.event).to.equal('result');
    expect(last.data.package).to.include({ status: 'installed', version: '1.0.0' });
    const log = await gw.request('GET', '/packages/streamed/log');
    expect(log.body.job).to.include({ kind: 'install', status: 'succeeded' });
    expect(log.body.lines).to.deep.equal(lines);
  });

  it('does not block other requests while an install runs, and shows it as installing', async () => {
    registry.hold();
    registry.requests.length = 0;
    const pending = gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'slow',
    });
    await waitFor(() => registry.requests.some((r) => r.endsWith('.tgz')), 'npm to ask for the tarball');
    expect((await gw.request('GET', '/healthz')).status).to.equal(200);
    expect((await gw.request('GET', '/packages/by-id/slow')).body.package).to.include({
      status: 'installing',
      mcpServerId: 'slow',
    });
    expect(
      (await gw.request('GET', '/mcp/servers/slow')).status,
      'no server before the install completes',
    ).to.equal(404);
    const again = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      serverName: 'slow',
    });
    expect(again.status).to.equal(409);
    expect(again.body.code).to.equal('package_busy');
    const follow = fetch(`${gw.url}/packages/slow/log`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${gw.adminToken}` },
    });
    await waitFor(() => true, 'nothing');
    registry.release();
    const done = await pending;
    const followed = await readEvents(await follow);
    expect(followed[0]).to.deep.include({ event: 'log' });
    expect(followed.map((e) => e.event).slice(-1)).to.deep.equal(['result']);
    expect(followed[followed.length - 1]!.data.job).to.include({ kind: 'install', status: 'succeeded' });
    expect(done.status, done.text).to.equal(200);
    expect(done.body.package).to.include({ status: 'installed', version: '1.0.0' });
  });

  it('a failed install leaves no server and no files, shows error, and can be installed again', async () => {
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

  it('keeps a custom command and args across an upgrade, and enables/disables through /packages', async () => {
    const installPath = join(gw.dataDir, 'packages', 'npm', 'custom');
    const script = join(installPath, 'node_modules', NPM_FIXTURE_NAME, 'server.js');
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'custom',
      command: process.execPath,
      args: [script],
    });
    expect(res.status, res.text).to.equal(200);
    await waitForStatus(gw, 'custom', ['connected']);
    await publishV2();
    const up = await gw.request('PUT', '/packages/custom/upgrade', { version: '2.0.0' });
    expect(up.status, up.text).to.equal(200);
    expect(up.body.server).to.include({ command: process.execPath });
    expect((up.body.server as { args: string[] }).args).to.deep.equal([script]);
    await approveHeldTool(gw, 'custom', 'farewell');
    await waitFor(
      () => (gw.gateway.pool.snapshot('custom')?.toolsList.length ?? 0) === 2,
      'the upgraded tools',
    );
    const off = await gw.request('PUT', '/packages/custom/disable');
    expect(off.body.server).to.include({ enabled: false });
    expect((await gw.request('GET', '/packages/by-id/custom')).body.package).to.include({ enabled: false });
  });

  it('rejects an upgrade to a bad version (400) and reports a failed upgrade without touching the running server', async () => {
    await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'stay',
    });
    const before = await waitForStatus(gw, 'stay', ['connected']);
    const bad = await gw.request('PUT', '/packages/stay/upgrade', { version: '1.0.0; rm -rf /' });
    expect(bad.status).to.equal(400);
    const missing = await gw.request('PUT', '/packages/stay/upgrade', { version: '7.7.7' });
    expect(missing.status).to.equal(502);
    const pkg = (await gw.request('GET', '/packages/by-id/stay')).body.package as Record<string, unknown>;
    expect(pkg).to.include({ status: 'error', version: '1.0.0' });
    expect(await callText(gw, 'stay', 'greet', { name: 'x' })).to.equal('hello x from 1.0.0');
    expect((await waitForStatus(gw, 'stay', ['connected'])).pid).to.equal(before.pid);
    expect((await gw.request('PUT', '/packages/ghost/upgrade', {})).status).to.equal(404);
    expect((await gw.request('DELETE', '/packages/ghost')).status).to.equal(404);
  });

  it('upgrade-all upgrades what has an update and reports each package', async () => {
    await publishV2();
    await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'all-a',
      enabled: false,
    });
    await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      serverName: 'all-b',
      enabled: false,
    });
    const res = await gw.request('PUT', '/packages/upgrade-all');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.results).to.deep.equal([
      { serverName: 'all-a', fromVersion: '1.0.0', success: true, upgraded: true, version: '2.0.0' },
      { serverName: 'all-b', fromVersion: '2.0.0', success: true, upgraded: false, version: '2.0.0' },
    ]);
  });
});
