import { expect } from 'chai';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, waitForStatus } from '../support/testGateway.js';
import { processesOf, output, usePerUserGateway, type Processes } from './perUserGateway.js';

describe('per-user processes (fixture server): sharing, idle stop and the process caps', () => {
  const { start, call, server } = usePerUserGateway();

  it("shares one process among a user's concurrent first calls", async () => {
    const gw = await start();
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
    );
    await waitForStatus(gw, 'peruser', ['connected']);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call('hal', 'echo', { message: `m${i}` })),
    );
    expect(results.map((r) => output(r.body))).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(processesOf(await server()).count).to.equal(1);
  });

  it('stops a process after the idle timeout', async () => {
    const gw = await start({ perUser: { idleTimeoutMs: 1_000, maxPerServer: 5, maxTotal: 5 } });
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
    );
    await call('dora', 'echo', { message: 'hi' });
    const pid = processesOf(await server()).states[0]!.pid as number;
    expect(isAlive(pid)).to.equal(true);
    await waitFor(() => gw.gateway.pool.snapshot('peruser')?.processes?.count === 0, 'idle stop');
    await waitFor(() => !isAlive(pid), 'process gone');
    expect((gw.gateway.pool.snapshot('peruser')?.logs ?? []).join('\n')).to.contain('idle for 1000 ms');
    expect(output((await call('dora', 'echo', { message: 'again' })).body)).to.equal('again');
  });

  it(
    'holds the per-server cap under 20 concurrent users: ' +
      'busy means 429, idle means least recently used is stopped',
    async () => {
      const gw = await start({ perUser: { idleTimeoutMs: 60_000, maxPerServer: 4, maxTotal: 50 } });
      await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
      );
      await waitForStatus(gw, 'peruser', ['connected']);
      await waitFor(() => gw.gateway.registry.size === 0, 'discovery process gone');
      let most = 0;
      const sampler = setInterval(() => (most = Math.max(most, gw.gateway.registry.size)), 2);
      const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
      const results = await Promise.all(users.map((u) => call(u, 'slow', { ms: 300 })));
      clearInterval(sampler);
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 429);
      expect(ok.length + refused.length).to.equal(20);
      expect(ok.length).to.be.at.least(4);
      expect(refused.length).to.be.at.least(1);
      expect(refused[0]!.body.code).to.equal('too_many_processes');
      expect(String(refused[0]!.body.error)).to.contain('maximum of 4');
      expect(most).to.be.at.most(4);

      // All idle now: a new user takes the least recently used process's place.
      const before = processesOf(await server());
      expect(before.count).to.equal(4);
      expect((await call('latecomer', 'echo', { message: 'in' })).status).to.equal(200);
      const after = processesOf(await server());
      expect(after.count).to.equal(4);
      expect(gw.gateway.registry.size).to.be.at.most(4);
    },
  );

  it('holds the gateway-wide cap across servers', async () => {
    const gw = await start({ perUser: { idleTimeoutMs: 60_000, maxPerServer: 5, maxTotal: 2 } });
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('one', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
    );
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('two', { secretDelivery: 'env', secretNames: ['API_KEY', 'API_TOKEN'] }),
    );
    await waitForStatus(gw, 'one', ['connected']);
    await waitForStatus(gw, 'two', ['connected']);
    expect((await call('u1', 'echo', { message: '1' }, 'one')).status).to.equal(200);
    expect((await call('u2', 'echo', { message: '2' }, 'two')).status).to.equal(200);
    expect((await call('u3', 'echo', { message: '3' }, 'two')).status).to.equal(200);
    const counts = [(await server('one')).perUserProcesses, (await server('two')).perUserProcesses].map(
      (p) => (p as Processes).count,
    );
    expect(counts).to.deep.equal([0, 2]); // u1 on "one" was the least recently used
    await waitFor(() => gw.gateway.registry.size <= 2, 'evicted process gone');
  });
});
