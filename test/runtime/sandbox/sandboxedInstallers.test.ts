import { expect } from 'chai';
import { join } from 'node:path';
import {
  NPM_FIXTURE_NAME,
  npmFixtureFiles,
  PY_FIXTURE_DIST,
  PY_FIXTURE_MODULE,
  pythonServerSource,
} from '../../support/fixturePackages.js';
import { LocalNpmRegistry } from '../../support/localNpmRegistry.js';
import { LocalPypiIndex } from '../../support/localPypiIndex.js';
import { callText, packageTestEnv } from '../../support/packageTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

/**
 * npm and pip run sandboxed, writable only in their own install directory, yet reach registries
 * on loopback (installers keep the host network); the installed servers then run sandboxed too.
 */
describe('package installers in the sandbox', function () {
  this.timeout(120_000);
  let registry: LocalNpmRegistry;
  let index: LocalPypiIndex;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
    index = await LocalPypiIndex.start();
    await index.publish(PY_FIXTURE_DIST, '1.0.0', PY_FIXTURE_MODULE, pythonServerSource('1.0.0'));
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url }, sandbox: true });
  });
  after(async () => {
    await gw?.close();
    await registry?.close();
    await index?.close();
    await cleanupHome?.();
  });

  it('installs an npm package from a loopback registry and runs its server', async () => {
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'npmfix',
    });
    expect(res.status, res.text).to.equal(200);
    await waitForStatus(gw, 'npmfix', ['connected']);
    expect(await callText(gw, 'npmfix', 'greet', { name: 'ada' })).to.equal('hello ada from 1.0.0');
  });

  it('creates a venv, pip-installs from a loopback index and runs the module', async () => {
    const body = {
      name: PY_FIXTURE_DIST,
      serverName: 'pyfix',
      runtime: 'python',
      pythonModule: PY_FIXTURE_MODULE,
      pipIndexUrl: index.url,
    };
    const res = await gw.request('POST', '/packages/install', body);
    expect(res.status, res.text).to.equal(200);
    expect(res.body.server).to.include({
      command: join(gw.dataDir, 'packages', 'python', 'pyfix', 'bin', 'python'),
    });
    await waitForStatus(gw, 'pyfix', ['connected']);
    expect(await callText(gw, 'pyfix', 'greet', { name: 'guido' })).to.equal('hello guido from 1.0.0');
  });
});
