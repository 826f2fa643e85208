import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('gateway restart', () => {
  let first: TestGateway | undefined;
  let second: TestGateway | undefined;
  afterEach(async () => {
    await first?.stop();
    await second?.close();
  });

  it('rebuilds servers, secrets and enabled flags from the event log and starts enabled servers again', async () => {
    first = await startTestGateway();
    await first.request(
      'POST',
      '/mcp/servers',
      fixtureServer('keeper', { timeout: 4321, env: { FIXTURE_EXTRA_TOOL: 'kept_tool' } }),
    );
    await first.request('POST', '/mcp/servers', fixtureServer('sleeper'));
    await first.request('PUT', '/mcp/servers/sleeper/disable');
    await first.request('POST', '/mcp/servers', fixtureServer('removed'));
    await first.request('DELETE', '/mcp/servers/removed');
    await first.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'keeper',
      secretName: 'TOKEN',
      secretValue: 'survives-restart',
    });
    await waitForStatus(first, 'keeper', ['connected']);
    await first.stop();

    second = await startTestGateway({ dataDir: first.dataDir });
    const list = await second.request('GET', '/mcp/servers');
    const servers = list.body.servers as Array<Record<string, unknown>>;
    expect(servers.map((s) => [s.name, s.enabled])).to.deep.equal([
      ['keeper', true],
      ['sleeper', false],
    ]);
    const keeper = await waitForStatus(second, 'keeper', ['connected']);
    expect(keeper.timeout).to.equal(4321);
    expect((keeper.toolsList as Array<{ name: string }>).map((t) => t.name)).to.include('kept_tool');
    expect(second.gateway.pool.snapshot('sleeper')).to.equal(undefined);
    const call = await second.request('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'keeper',
      methodName: 'echo_secret',
      args: { name: 'TOKEN' },
    });
    expect((call.body.data as { content: Array<{ text: string }> }).content[0]!.text).to.equal(
      'survives-restart',
    );
  });
});
