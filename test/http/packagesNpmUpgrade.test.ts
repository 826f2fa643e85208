import { expect } from 'chai';
import { join } from 'node:path';
import { waitFor } from '../runtime/processTestUtils.js';
import { NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { useNpmPackageGateway } from '../support/npmPackageGateway.js';
import { callText } from '../support/packageTestUtils.js';
import { approveHeldTool } from '../support/toolPins.js';
import { waitForStatus } from '../support/testGateway.js';

describe('npm packages: upgrades (local registry)', function () {
  this.timeout(60_000);
  const npm = useNpmPackageGateway();
  const { publishV2 } = npm;

  it('keeps a custom command and args across an upgrade, and enables/disables through /packages', async () => {
    const { gw } = npm;
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

  it(
    'rejects an upgrade to a bad version (400) and reports a failed upgrade ' +
      'without touching the running server',
    async () => {
      const { gw } = npm;
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
    },
  );

  it('upgrade-all upgrades what has an update and reports each package', async () => {
    const { gw } = npm;
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
