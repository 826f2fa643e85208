import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { call, remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

const ODD_STDIO = fileURLToPath(new URL('../../fixtures/oddDiscoverServer.js', import.meta.url));

/**
 * An upstream whose answer to the server/discover probe is unusable is a legacy server as far as the
 * gateway is concerned: the connection goes on with initialize instead of failing.
 */
describe('server/discover answered oddly: fall back to initialize', function () {
  this.timeout(60_000);
  let gw: TestGateway | undefined;
  let up: RemoteMcpServer | undefined;
  afterEach(async () => {
    await gw?.close();
    await up?.close();
    gw = up = undefined;
  });

  for (const mode of ['empty', 'malformed', 'error', 'garbage', 'exit'] as const) {
    it(`stdio: connects and calls tools when discover answers ${mode}`, async () => {
      gw = await startTestGateway();
      const res = await gw.request('POST', '/mcp/servers', {
        name: 'odd',
        transportType: 'stdio',
        command: process.execPath,
        args: [ODD_STDIO],
        env: { FIXTURE_DISCOVER: mode },
      });
      expect(res.status, res.text).to.equal(200);
      const server = await waitForStatus(gw, 'odd', ['connected', 'error']);
      expect(server.status, String(server.statusMessage)).to.equal('connected');
      expect((await call(gw, 'odd', 'echo', { message: `after ${mode}` })).output).to.equal(`after ${mode}`);
    });
  }

  for (const transport of ['streamable', 'stateless'] as const) {
    for (const discover of ['empty', 'malformed', 'error', 'http500', 'html'] as const) {
      it(`remote (${transport}): connects and calls tools when discover answers ${discover}`, async () => {
        up = await startRemoteMcpServer({ mode: transport, discover });
        gw = await startTestGateway();
        expect((await gw.request('POST', '/mcp/servers', remoteServer('odd', up.url))).status).to.equal(200);
        const server = await waitForStatus(gw, 'odd', ['connected', 'error']);
        expect(server.status, String(server.statusMessage)).to.equal('connected');
        expect(server.activeTransport).to.equal('streamable_http');
        expect((await call(gw, 'odd', 'echo', { message: 'still fine' })).output).to.equal('still fine');
        const rpcs = up.requests.flatMap((r) => (r.rpc ? [r.rpc] : []));
        expect(rpcs.slice(0, 2)).to.deep.equal(['server/discover', 'initialize']);
      });
    }
  }
});
