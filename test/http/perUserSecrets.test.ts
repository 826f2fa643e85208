import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { connectMcp } from '../support/mcpClient.js';
import { fixtureServer, waitForStatus } from '../support/testGateway.js';
import { output, processesOf, usePerUserGateway } from './perUserGateway.js';

describe('per-user processes (fixture server): secrets, reconfiguration and tool discovery', () => {
  const { start, call, setSecret, server, envOf } = usePerUserGateway();

  it('does not merge secrets into tool arguments, and never injects reserved names', async () => {
    const gw = await start();
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
    );
    await setSecret('ann', 'API_KEY', 'ann-key-8812');
    const refused = await setSecret('ann', 'NODE_OPTIONS', '--require /tmp/evil.js');
    expect(refused.status).to.equal(400);
    expect(String(refused.body.error)).to.contain('NODE_OPTIONS');
    expect(refused.text).to.not.contain('evil');
    expect(output((await call('ann', 'echo_args', { x: 1 })).body)).to.equal('{"x":1}');
    const env = await envOf('ann');
    expect(env.API_KEY).to.equal('ann-key-8812');
    expect(env).to.not.have.property('NODE_OPTIONS');
  });

  it('switches an existing server between shared and per-user processes with PUT', async () => {
    const gw = await start();
    await gw.request('POST', '/mcp/servers', fixtureServer('peruser'));
    await setSecret('gil', 'API_KEY', 'gil-key-1');
    expect(JSON.parse(output((await call('gil', 'echo_args')).body))).to.deep.equal({ API_KEY: 'gil-key-1' });
    expect((await server()).secretDelivery).to.equal('args');
    const put = await gw.request('PUT', '/mcp/servers/peruser', {
      secretDelivery: 'env',
      secretNames: ['API_KEY', 'API_TOKEN'],
    });
    expect((put.body.server as Record<string, unknown>).secretDelivery).to.equal('env');
    await waitForStatus(gw, 'peruser', ['connected']);
    expect(output((await call('gil', 'echo_args')).body)).to.equal('{}');
    expect((await envOf('gil')).API_KEY).to.equal('gil-key-1');
    expect(processesOf(await server()).count).to.equal(1);
    await gw.request('PUT', '/mcp/servers/peruser', { secretDelivery: 'args' });
    await waitForStatus(gw, 'peruser', ['connected']);
    expect((await server()).perUserProcesses).to.equal(undefined);
    expect(JSON.parse(output((await call('gil', 'echo_args')).body))).to.deep.equal({ API_KEY: 'gil-key-1' });
  });

  it(
    "restarts a user's process when their secret changes " + 'and stops it when their last secret is deleted',
    async () => {
      const gw = await start();
      await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
      );
      await setSecret('ben', 'API_KEY', 'ben-old-1');
      await setSecret('cat', 'API_KEY', 'cat-1');
      expect((await envOf('ben')).API_KEY).to.equal('ben-old-1');
      expect((await envOf('cat')).API_KEY).to.equal('cat-1');
      const pids = processesOf(await server()).states.map((s) => s.pid as number);
      expect(pids).to.have.length(2);

      await setSecret('ben', 'API_KEY', 'ben-new-2');
      await waitFor(
        () =>
          gw.gateway.pool
            .snapshot('peruser')
            ?.processes?.states.filter((s) => s.status === 'connected' && !pids.includes(s.pid as number))
            .length === 1,
        'restart',
      );
      expect((await envOf('ben')).API_KEY).to.equal('ben-new-2');
      const live = processesOf(await server()).states.map((s) => s.pid as number);
      expect(live.filter((p) => pids.includes(p))).to.have.length(1); // cat's process was left alone

      await gw.request('POST', '/secrets/delete', {
        username: 'ben',
        serverName: 'peruser',
        secretName: 'API_KEY',
      });
      await waitFor(
        () => gw.gateway.pool.snapshot('peruser')?.processes?.count === 1,
        "ben's process stopped",
      );
    },
  );

  it("learns the tools from a user's process when the server cannot start without credentials", async () => {
    const gw = await start();
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('peruser', {
        secretDelivery: 'env',
        secretNames: ['API_TOKEN'],
        env: { FIXTURE_REQUIRE_ENV: 'API_TOKEN' },
      }),
    );
    const first = await waitForStatus(gw, 'peruser', ['connected']);
    expect(first.toolsList).to.deep.equal([]);
    expect(String(first.statusMessage)).to.contain('discovery without secrets failed');
    expect((first.logs as string[]).join('\n')).to.contain('API_TOKEN is not set');
    await setSecret('eli', 'API_TOKEN', 'eli-token-1');
    await setSecret('fin', 'API_TOKEN', 'fin-token-2');

    const mcp = await connectMcp(gw, { query: 'username=fin' });
    try {
      // fin's process is the first to list them: held for everyone (fin too) until an admin approves.
      expect((await mcp.client.listTools()).tools.map((t) => t.name)).to.not.include('peruser__get_env');
      await waitFor(
        () => (gw.gateway.projector.readModels.toolPins.values().next().value?.pending.size ?? 0) > 0,
        "fin's catalogue held",
      );
      const approved = await gw.request('POST', '/mcp/servers/peruser/tool-pins/approve', {});
      expect(approved.status, approved.text).to.equal(200);
      const names = (await mcp.client.listTools()).tools.map((t) => t.name);
      expect(names).to.include('peruser__get_env');
    } finally {
      await mcp.close();
    }
    expect((await envOf('eli')).API_TOKEN).to.equal('eli-token-1');
    const later = await server();
    expect((later.toolsList as unknown[]).length).to.be.greaterThan(0);
    expect(later.statusMessage).to.equal(undefined);
    const stranger = await call('nobody', 'echo', { message: 'x' });
    expect(stranger.status).to.equal(503);
    expect(stranger.body.code).to.equal('server_unavailable');
  });
});
