import { expect } from 'chai';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { call, remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

const LIMIT = 8_192;

describe('remote servers: a result over the message size limit', function () {
  this.timeout(60_000);
  let gw: TestGateway | undefined;
  let up: RemoteMcpServer | undefined;
  afterEach(async () => {
    await gw?.close();
    await up?.close();
    gw = up = undefined;
  });

  // stateful streamable answers on a POST's SSE stream, stateless and modern with a JSON body,
  // sse on the one legacy event stream.
  for (const mode of ['streamable', 'stateless', 'modern', 'sse'] as const) {
    it(`fails that call with 502 result_too_large naming size and limit; the connection stays (${mode})`, async () => {
      up = await startRemoteMcpServer({ mode, bigTool: true });
      gw = await startTestGateway({ maxMessageBytes: LIMIT });
      expect((await gw.request('POST', '/mcp/servers', remoteServer('big', up.url))).status).to.equal(200);
      const before = await waitForStatus(gw, 'big', ['connected']);
      const requestsBefore = up.requests.length;
      const sessionsBefore = up.sessionsCreated.length;

      const res = await call(gw, 'big', 'big', { bytes: 50_000 });
      expect(res.status, res.text).to.equal(502);
      expect(res.body.code).to.equal('result_too_large');
      expect(res.body.error).to.match(new RegExp(`returned \\d+ bytes, over the limit of ${LIMIT} bytes`));
      expect(res.body.limit).to.equal(LIMIT);
      expect(res.body.size).to.be.greaterThan(50_000);

      expect((await call(gw, 'big', 'big', { bytes: 100 })).output).to.equal('x'.repeat(100));
      expect((await call(gw, 'big', 'echo', { message: 'still here' })).output).to.equal('still here');
      const after = await waitForStatus(gw, 'big', ['connected']);
      expect(after.restarts ?? 0).to.equal(before.restarts ?? 0);
      // No reconnect: no new session, no second initialize or discover.
      expect(up.sessionsCreated).to.have.length(sessionsBefore);
      const handshakes = up.requests
        .slice(requestsBefore)
        .filter((r) => r.rpc === 'initialize' || r.rpc === 'server/discover');
      expect(handshakes).to.deep.equal([]);
    });
  }
});
