import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { useNpmPackageGateway } from '../support/npmPackageGateway.js';
import { readEvents } from '../support/packageTestUtils.js';

describe('npm packages: install jobs, their streamed output and logs (local registry)', function () {
  this.timeout(60_000);
  const npm = useNpmPackageGateway();

  it('streams npm output and the result with Accept: text/event-stream, and keeps the log readable', async () => {
    const { gw } = npm;
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
    const { gw, registry } = npm;
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
});
