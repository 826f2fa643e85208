import { expect } from 'chai';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('PUT /mcp/servers/:name/disable keeps the recent logs', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it(
    'shows the stderr lines of the stopped server after disable, ' +
      'and drops them when the server is removed',
    async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('noisy'));
      const running = await waitForStatus(gw, 'noisy', ['connected']);
      await gw.request('POST', '/mcp/tool/call', {
        serverName: 'noisy',
        methodName: 'log_stderr',
        args: { message: 'remember-this-line' },
      });
      await waitFor(
        () => gw.gateway.pool.snapshot('noisy')?.logs.some((l) => l.includes('remember-this-line')) === true,
        'the stderr line',
      );

      const off = await gw.request('PUT', '/mcp/servers/noisy/disable');
      expect((off.body.server as { logs: string[] }).logs.join('\n')).to.contain('remember-this-line');
      await waitFor(() => !isAlive(running.pid as number), 'process to stop');
      const after = (await gw.request('GET', '/mcp/servers/noisy')).body.server as {
        status: string;
        logs: string[];
        toolsList: unknown[];
        pid?: number;
      };
      expect(after).to.include({ status: 'disconnected' });
      expect(after.toolsList).to.deep.equal([]);
      expect(after.pid).to.equal(undefined);
      expect(after.logs.join('\n')).to.contain('remember-this-line');
      const listed = (await gw.request('GET', '/mcp/servers')).body.servers as Array<{
        name: string;
        logs: string[];
      }>;
      expect(listed.find((s) => s.name === 'noisy')?.logs.join('\n')).to.contain('remember-this-line');

      await gw.request('DELETE', '/mcp/servers/noisy');
      await gw.request('POST', '/mcp/servers', fixtureServer('noisy', { enabled: false }));
      await gw.gateway.reactor.idle();
      expect((await gw.request('GET', '/mcp/servers/noisy')).body.server).to.deep.include({ logs: [] });
    },
  );
});
