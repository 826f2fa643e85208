import { expect } from 'chai';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { callText, packageTestEnv } from '../support/packageTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('POST /packages/install with transportType "streamable_http"', function () {
  this.timeout(60_000);
  let registry: LocalNpmRegistry;
  let remote: RemoteMcpServer;
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
    await registry.publish(npmFixtureFiles('2.0.0'));
  });
  after(async () => {
    await registry.close();
  });
  beforeEach(async () => {
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    remote = await startRemoteMcpServer({ mode: 'streamable' });
    gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url } });
  });
  afterEach(async () => {
    registry.release();
    await gw.close();
    await remote.close();
    await cleanupHome();
  });

  it('registers the remote server, never a stdio command, and an upgrade keeps url, headers and session', async () => {
    const res = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      version: '1.0.0',
      serverName: 'remote-pkg',
      transportType: 'streamable_http',
      url: remote.url,
      headers: { 'X-Team': 'blue', Authorization: 'Bearer static-canary-8812' },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.package).to.include({ version: '1.0.0', status: 'installed', mcpServerId: 'remote-pkg' });
    expect(res.body.server).to.include({ transportType: 'streamable_http', url: remote.url });
    expect(res.body.server).to.not.have.property('command');
    expect(res.text).to.not.contain('static-canary-8812');
    await waitForStatus(gw, 'remote-pkg', ['connected']);
    expect(await callText(gw, 'remote-pkg', 'echo', { message: 'through a package' })).to.equal(
      'through a package',
    );
    expect(remote.requests.some((r) => r.headers['x-team'] === 'blue')).to.equal(true);
    const sessionsBefore = remote.sessionsCreated.length;

    const up = await gw.request('PUT', '/packages/remote-pkg/upgrade', { version: '2.0.0' });
    expect(up.status, up.text).to.equal(200);
    expect(up.body.package).to.include({ version: '2.0.0' });
    const server = (await gw.request('GET', '/mcp/servers/remote-pkg')).body.server as Record<
      string,
      unknown
    >;
    expect(server).to.include({ transportType: 'streamable_http', url: remote.url });
    expect(server.headers).to.deep.equal({ 'X-Team': 'blue', Authorization: '[redacted]' });
    expect(await callText(gw, 'remote-pkg', 'echo', { message: 'still there' })).to.equal('still there');
    expect(remote.sessionsCreated.length, 'the session survives the upgrade').to.equal(sessionsBefore);
  });

  it('400s a streamable_http install without a url, and remote fields on a stdio install', async () => {
    const noUrl = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      serverName: 'r1',
      transportType: 'streamable_http',
    });
    expect(noUrl.status).to.equal(400);
    expect(String(noUrl.body.error)).to.contain('url');
    const stray = await gw.request('POST', '/packages/install', {
      name: NPM_FIXTURE_NAME,
      serverName: 'r2',
      url: remote.url,
    });
    expect(stray.status).to.equal(400);
    expect(String(stray.body.error)).to.contain('url').and.contain('only for a remote');
  });
});
