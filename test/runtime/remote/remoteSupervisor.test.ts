import { expect } from 'chai';
import type { RemoteSupervisor } from '../../../src/runtime/remote/remoteSupervisor.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

describe('RemoteSupervisor', () => {
  let up: RemoteMcpServer;
  let gw: TestGateway;
  before(async () => {
    up = await startRemoteMcpServer({ mode: 'streamable' });
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', remoteServer('busy', up.url));
    await waitForStatus(gw, 'busy', ['connected']);
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  it('does not accumulate abort listeners over a long run of calls (the SDK 1.32 leak)', async function () {
    // 1,600 sequential HTTP calls: minutes on a loaded shared machine.
    this.timeout(180_000);
    const server = gw.gateway.pool.get('busy')?.inner as RemoteSupervisor;
    const run = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const result = await server.callTool('echo', { message: `m${i}` }, { timeoutMs: 5_000 });
        expect((result.content as Array<{ text: string }>)[0]?.text).to.equal(`m${i}`);
      }
    };
    await run(100);
    const early = server.abortListenerCount();
    await run(1_500);
    const late = server.abortListenerCount();
    // Only the standalone GET stream (if the server offers one) holds a listener between calls.
    expect(early).to.be.at.most(2);
    expect(late).to.equal(early);
  });
});
