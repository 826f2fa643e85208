import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { npmFixtureFiles } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { packageTestEnv } from '../support/packageTestUtils.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** The npm fixture server with an engines field in its package.json. */
function withEngines(version: string, name: string, node: string): Record<string, string> {
  const files = npmFixtureFiles(version, name);
  const manifest = JSON.parse(files['package.json'] as string) as Record<string, unknown>;
  return { ...files, 'package.json': JSON.stringify({ ...manifest, engines: { node } }, null, 2) + '\n' };
}

describe('POST /packages/install checks engines.node', function () {
  this.timeout(60_000);
  let registry: LocalNpmRegistry;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(withEngines('1.0.0', 'mcp-fixture-engines', '>=22.1.0'));
    await registry.publish(withEngines('2.0.0', 'mcp-fixture-engines', '>=24'));
  });
  after(async () => {
    await registry.close();
  });
  beforeEach(async () => {
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    // The gateway's Node is pinned, so the test means the same on every Node the suite runs on.
    gw = await startTestGateway({
      parentEnv: env,
      packages: { npmRegistry: registry.url, nodeVersion: '22.3.0' },
    });
  });
  afterEach(async () => {
    await gw.close();
    await cleanupHome();
  });

  it(
    'refuses a package whose engines.node excludes this Node with 422 naming the requirement, ' +
      'and leaves nothing behind',
    async () => {
      const res = await gw.request('POST', '/packages/install', {
        name: 'mcp-fixture-engines',
        version: '2.0.0',
        serverName: 'future',
      });
      expect(res.status, res.text).to.equal(422);
      expect(res.body).to.include({
        success: false,
        code: 'package_engine_unsupported',
        requiredNode: '>=24',
        nodeVersion: '22.3.0',
      });
      expect(String(res.body.error)).to.contain('mcp-fixture-engines@2.0.0 requires Node >=24');
      expect((await gw.request('GET', '/mcp/servers/future')).status).to.equal(404);
      expect(existsSync(join(gw.dataDir, 'packages', 'npm', 'future'))).to.equal(false);
      expect((await gw.request('GET', '/packages/by-id/future')).body.package).to.include({
        status: 'error',
      });
    },
  );

  it('installs a package whose engines.node this Node satisfies', async () => {
    const res = await gw.request('POST', '/packages/install', {
      name: 'mcp-fixture-engines',
      version: '1.0.0',
      serverName: 'current',
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.package).to.include({ version: '1.0.0', status: 'installed' });
  });
});
