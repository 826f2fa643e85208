import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { connectMcp } from '../support/mcpClient.js';
import { packageTestEnv } from '../support/packageTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';
import { output, processesOf } from './perUserGateway.js';

const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

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
