import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { connectMcp } from '../support/mcpClient.js';
import { packageTestEnv } from '../support/packageTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

type Data = { content: Array<{ type: string; text: string }>; isError?: boolean };
const output = (body: Record<string, unknown>): string => (body.data as Data).content[0]!.text;
type Processes = { count: number; limit: number; states: Array<{ status: string; pid?: number }> };
const processesOf = (server: Record<string, unknown>): Processes => server.perUserProcesses as Processes;

describe('secretDelivery "env" with an unmodified published server (server-everything get-env)', () => {
  let gw: TestGateway;
  const keyCanary = `SECRETS-KEY-CANARY-${randomUUID()}`;
  const aliceCanary = `alice-env-${randomUUID()}`;
  const bobCanary = `bob-env-${randomUUID()}`;
  const env = async (username: string): Promise<Record<string, string>> => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'everything',
      methodName: 'get-env',
      args: {},
    });
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(output(res.body)) as Record<string, string>;
  };

  before(async () => {
    gw = await startTestGateway({
      parentEnv: { ...process.env, SECRETS_KEY: keyCanary },
      perUser: { idleTimeoutMs: 60_000, maxPerServer: 5, maxTotal: 10 },
    });
    const res = await gw.request('POST', '/mcp/servers', {
      name: 'everything',
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
      env: { GREETING: 'hello' },
      secretDelivery: 'env',
      secretNames: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
    });
    expect(res.status).to.equal(200);
    await waitForStatus(gw, 'everything', ['connected']);
    await gw.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'everything',
      secretName: 'GITHUB_PERSONAL_ACCESS_TOKEN',
      secretValue: aliceCanary,
    });
    await gw.request('POST', '/secrets/set', {
      username: 'bob',
      serverName: 'everything',
      secretName: 'GITHUB_PERSONAL_ACCESS_TOKEN',
      secretValue: bobCanary,
    });
  });
  after(async () => {
    await gw.close();
  });

  it('lists the tools before any user process runs (discovered without secrets)', async () => {
    const server = await waitForStatus(gw, 'everything', ['connected']);
    expect(server.secretDelivery).to.equal('env');
    expect((server.toolsList as Array<{ name: string }>).map((t) => t.name)).to.include('get-env');
    expect(processesOf(server).count).to.equal(0);
  });

  it("gives each user a process whose environment holds only that user's secrets, never SECRETS_KEY", async () => {
    const alice = await env('alice');
    const bob = await env('bob');
    expect(alice.GITHUB_PERSONAL_ACCESS_TOKEN).to.equal(aliceCanary);
    expect(bob.GITHUB_PERSONAL_ACCESS_TOKEN).to.equal(bobCanary);
    expect(alice.GREETING).to.equal('hello');
    for (const e of [alice, bob]) {
      expect(e).to.not.have.property('SECRETS_KEY');
      expect(JSON.stringify(e)).to.not.contain(keyCanary);
    }
    expect(JSON.stringify(alice)).to.not.contain(bobCanary);
    expect(JSON.stringify(bob)).to.not.contain(aliceCanary);
    const carol = await env('carol');
    expect(carol).to.not.have.property('GITHUB_PERSONAL_ACCESS_TOKEN');
  });

  it('shows the per-user processes without usernames or environment values', async () => {
    await env('alice');
    const res = await gw.request('GET', '/mcp/servers/everything');
    const procs = processesOf(res.body.server as Record<string, unknown>);
    expect(procs.count).to.be.at.least(2);
    expect(procs.limit).to.equal(5);
    expect(procs.states.every((s) => s.status === 'connected' && typeof s.pid === 'number')).to.equal(true);
    for (const word of ['alice', 'bob', 'carol', aliceCanary, bobCanary])
      expect(res.text).to.not.contain(word);
    const all = await gw.request('GET', '/mcp/servers');
    for (const word of ['alice', 'bob', aliceCanary, bobCanary]) expect(all.text).to.not.contain(word);
    const asUser = await gw.request('GET', '/mcp/servers/everything', undefined, {
      token: (await gw.issueToken('alice')).token,
    });
    const userView = processesOf(asUser.body.server as Record<string, unknown>);
    expect(userView.count).to.equal(procs.count);
    expect(userView.states.every((s) => Object.keys(s).sort().join() === 'restarts,status')).to.equal(true);
    for (const word of ['bob', aliceCanary, bobCanary]) expect(asUser.text).to.not.contain(word);
    const metrics = await gw.request('GET', '/metrics').then((r) => r.text);
    expect(metrics).to.match(new RegExp(`^mcp_per_user_processes ${procs.count}$`, 'm'));
  });

  it("serves /mcp clients from their own user's process", async () => {
    const mcp = await connectMcp(gw, { query: 'username=bob' });
    try {
      const result = await mcp.client.callTool({ name: 'everything__get-env', arguments: {} });
      const seen = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>;
      expect(seen.GITHUB_PERSONAL_ACCESS_TOKEN).to.equal(bobCanary);
    } finally {
      await mcp.close();
    }
  });

  it('never logs the secrets', () => {
    for (const line of gw.logs) {
      expect(line).to.not.contain(aliceCanary);
      expect(line).to.not.contain(bobCanary);
    }
  });
});

describe('per-user processes (fixture server)', () => {
  let gw: TestGateway;
  const call = (
    username: string,
    methodName: string,
    args: Record<string, unknown> = {},
    serverName = 'peruser',
  ) => gw.request('POST', '/mcp/tool/call', { username, serverName, methodName, args });
  const setSecret = (username: string, secretName: string, secretValue: string, serverName = 'peruser') =>
    gw.request('POST', '/secrets/set', { username, serverName, secretName, secretValue });
  const server = async (name = 'peruser') =>
    (await gw.request('GET', `/mcp/servers/${name}`)).body.server as Record<string, unknown>;
  const envOf = async (username: string): Promise<Record<string, string>> =>
    JSON.parse(output((await call(username, 'get_env')).body)) as Record<string, string>;

  afterEach(async () => {
    await gw.close();
  });

  it('does not merge secrets into tool arguments, and never injects reserved names', async () => {
    gw = await startTestGateway();
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
    gw = await startTestGateway();
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

  it("restarts a user's process when their secret changes and stops it when their last secret is deleted", async () => {
    gw = await startTestGateway();
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
    await waitFor(() => gw.gateway.pool.snapshot('peruser')?.processes?.count === 1, "ben's process stopped");
  });

  it("shares one process among a user's concurrent first calls", async () => {
    gw = await startTestGateway();
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
    gw = await startTestGateway({ perUser: { idleTimeoutMs: 1_000, maxPerServer: 5, maxTotal: 5 } });
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

  it('holds the per-server cap under 20 concurrent users: busy means 429, idle means least recently used is stopped', async () => {
    gw = await startTestGateway({ perUser: { idleTimeoutMs: 60_000, maxPerServer: 4, maxTotal: 50 } });
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
  });

  it('holds the gateway-wide cap across servers', async () => {
    gw = await startTestGateway({ perUser: { idleTimeoutMs: 60_000, maxPerServer: 5, maxTotal: 2 } });
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

  it("learns the tools from a user's process when the server cannot start without credentials", async () => {
    gw = await startTestGateway();
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

describe('per-user processes for an installed package', function () {
  this.timeout(60_000);

  it('installs a package with secretDelivery "env" and runs it once per user', async () => {
    const registry = await LocalNpmRegistry.start();
    const { env, cleanup } = await packageTestEnv();
    const gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url } });
    try {
      await registry.publish(npmFixtureFiles('1.0.0'));
      const res = await gw.request('POST', '/packages/install', {
        name: NPM_FIXTURE_NAME,
        version: '1.0.0',
        serverName: 'pkg',
        secretDelivery: 'env',
      });
      expect(res.status, res.text).to.equal(200);
      expect((res.body.server as Record<string, unknown>).secretDelivery).to.equal('env');
      await waitForStatus(gw, 'pkg', ['connected']);
      for (const username of ['ida', 'jon']) {
        const called = await gw.request('POST', '/mcp/tool/call', {
          username,
          serverName: 'pkg',
          methodName: 'greet',
          args: { name: username },
        });
        expect(output(called.body)).to.equal(`hello ${username} from 1.0.0`);
      }
      expect(
        processesOf((await gw.request('GET', '/mcp/servers/pkg')).body.server as Record<string, unknown>)
          .count,
      ).to.equal(2);
    } finally {
      registry.release();
      await gw.close();
      await registry.close();
      await cleanup();
    }
  });
});
