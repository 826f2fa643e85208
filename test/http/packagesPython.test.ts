import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../runtime/processTestUtils.js';
import { PY_FIXTURE_DIST, PY_FIXTURE_MODULE, pythonServerSource } from '../support/fixturePackages.js';
import { LocalPypiIndex } from '../support/localPypiIndex.js';
import { callText, packageTestEnv, toolNames } from '../support/packageTestUtils.js';
import { approveHeldTool } from '../support/toolPins.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('package management with pip (local simple index)', function () {
  this.timeout(90_000);
  let index: LocalPypiIndex;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    index = await LocalPypiIndex.start();
    await index.publish(PY_FIXTURE_DIST, '1.0.0', PY_FIXTURE_MODULE, pythonServerSource('1.0.0'));
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env });
  });
  after(async () => {
    await gw.close();
    await index.close();
    await cleanupHome();
  });

  it('installs into a venv with pipIndexUrl, calls a tool, checks, upgrades in place and uninstalls', async () => {
    const body = {
      name: PY_FIXTURE_DIST,
      serverName: 'pyfix',
      runtime: 'python',
      pythonModule: PY_FIXTURE_MODULE,
      pipIndexUrl: index.url,
    };
    const res = await gw.request('POST', '/packages/install', body);
    expect(res.status, res.text).to.equal(200);
    const venv = join(gw.dataDir, 'packages', 'python', 'pyfix');
    expect(res.body.package).to.include({
      name: PY_FIXTURE_DIST,
      version: '1.0.0',
      runtime: 'python',
      status: 'installed',
      installPath: venv,
      venvPath: venv,
      pythonModule: PY_FIXTURE_MODULE,
      pipIndexUrl: index.url,
    });
    expect(res.body.server).to.include({ command: join(venv, 'bin', 'python') });
    expect((res.body.server as { args: string[] }).args).to.deep.equal(['-u', '-m', PY_FIXTURE_MODULE]);
    const server = await waitForStatus(gw, 'pyfix', ['connected']);
    expect(toolNames(server)).to.deep.equal(['greet']);
    expect(await callText(gw, 'pyfix', 'greet', { name: 'guido' })).to.equal('hello guido from 1.0.0');

    let updates = await gw.request('GET', '/packages/updates?name=pyfix');
    expect(updates.body.updates).to.deep.equal([
      { serverName: 'pyfix', currentVersion: '1.0.0', latestVersion: '1.0.0', updateAvailable: false },
    ]);
    await index.publish(PY_FIXTURE_DIST, '2.0.0', PY_FIXTURE_MODULE, pythonServerSource('2.0.0'));
    await index.publish(PY_FIXTURE_DIST, '3.0.0rc1', PY_FIXTURE_MODULE, pythonServerSource('3.0.0rc1'));
    index.requests.length = 0;
    updates = await gw.request('GET', '/packages/updates');
    expect(updates.body.updates, 'a prerelease is not an update for a release').to.deep.equal([
      { serverName: 'pyfix', currentVersion: '1.0.0', latestVersion: '2.0.0', updateAvailable: true },
    ]);
    expect(index.requests, 'the persisted index URL is used for checks').to.include(
      '/simple/mcp-fixture-py/',
    );

    index.requests.length = 0;
    const up = await gw.request('PUT', '/packages/pyfix/upgrade', {});
    expect(up.status, up.text).to.equal(200);
    expect(up.body.package).to.include({ version: '2.0.0', status: 'installed', updateAvailable: false });
    expect(index.requests, 'and for the upgrade').to.include('/files/mcp_fixture_py-2.0.0-py3-none-any.whl');
    await approveHeldTool(gw, 'pyfix', 'farewell'); // tool pinning: the new tool waits for approval
    await waitFor(
      () => (gw.gateway.pool.snapshot('pyfix')?.toolsList.length ?? 0) === 2,
      'the upgraded server (same command, restarted)',
    );
    expect(await callText(gw, 'pyfix', 'farewell', { name: 'guido' })).to.equal('goodbye guido from 2.0.0');

    expect((await gw.request('DELETE', '/packages/pyfix')).status).to.equal(200);
    expect(existsSync(venv)).to.equal(false);
    expect((await gw.request('GET', '/mcp/servers/pyfix')).status).to.equal(404);
  });

  it('refuses a package that does not provide the module, leaving no venv and no server', async () => {
    const res = await gw.request('POST', '/packages/install', {
      name: PY_FIXTURE_DIST,
      version: '1.0.0',
      serverName: 'nomod',
      runtime: 'python',
      pythonModule: 'not_there',
      pipIndexUrl: index.url,
    });
    expect(res.status).to.equal(502);
    expect(String(res.body.error)).to.contain('provides no module not_there');
    expect(existsSync(join(gw.dataDir, 'packages', 'python', 'nomod'))).to.equal(false);
    expect((await gw.request('GET', '/mcp/servers/nomod')).status).to.equal(404);
  });
});
