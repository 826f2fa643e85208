import { expect } from 'chai';
import { isAlive, waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Data = { content: Array<{ text: string }> };
const output = (body: Record<string, unknown>): string => (body.data as Data).content[0]!.text;

describe('DELETE /users/:username and per-user processes (H1)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const envOf = async (username: string): Promise<Record<string, string>> => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'peruser',
      methodName: 'get_env',
      args: {},
    });
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(output(res.body)) as Record<string, string>;
  };
  const pids = async (): Promise<number[]> => {
    const server = (await gw.request('GET', '/mcp/servers/peruser')).body.server as {
      perUserProcesses: { states: Array<{ pid?: number }> };
    };
    return server.perUserProcesses.states.flatMap((s) => (s.pid ? [s.pid] : []));
  };

  beforeEach(async () => {
    gw = await startTestGateway({ perUser: { idleTimeoutMs: 60_000, maxPerServer: 5, maxTotal: 10 } });
    const res = await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('peruser', { secretDelivery: 'env', secretNames: ['API_KEY'] }),
    );
    expect(res.status, res.text).to.equal(200);
    await waitForStatus(gw, 'peruser', ['connected']);
  });
  afterEach(async () => {
    await gw.close();
  });

  it("stops the deleted user's process; a new user of that name gets a fresh one without the old secrets", async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'mia',
      serverName: 'peruser',
      secretName: 'API_KEY',
      secretValue: 'mia-old-secret-123',
    });
    expect((await envOf('mia')).API_KEY).to.equal('mia-old-secret-123');
    const [old] = await pids();
    expect(old).to.be.a('number');
    const del = await gw.request('DELETE', '/users/mia');
    expect(del.status, del.text).to.equal(200);
    await waitFor(() => !isAlive(old!), "the deleted user's process to stop");
    const fresh = await envOf('mia');
    expect(fresh.API_KEY).to.equal(undefined);
    expect(JSON.stringify(fresh)).not.to.include('mia-old-secret-123');
    expect(await pids()).not.to.include(old);
  });

  it('puts only declared names into the environment', async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'ned',
      serverName: 'peruser',
      secretName: 'API_KEY',
      secretValue: 'ned-declared-1',
    });
    await gw.request('POST', '/secrets/set', {
      username: 'ned',
      serverName: 'peruser',
      secretName: 'OTHER_TOKEN',
      secretValue: 'ned-undeclared-2',
    });
    const env = await envOf('ned');
    expect(env.API_KEY).to.equal('ned-declared-1');
    expect(env.OTHER_TOKEN).to.equal(undefined);
  });
});

describe('declaring env names for secretDelivery "env" (H2)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('refuses a code-loading name without an explicit admin override, and accepts it with one', async () => {
    const refused = await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('cargo', {
        secretDelivery: 'env',
        secretNames: ['API_KEY', 'RUSTC_WRAPPER'],
        enabled: false,
      }),
    );
    expect(refused.status, refused.text).to.equal(400);
    expect(refused.body.error).to.contain('RUSTC_WRAPPER').and.contain('allowUnsafeEnvNames');
    const allowed = await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('cargo', {
        secretDelivery: 'env',
        secretNames: ['API_KEY', 'RUSTC_WRAPPER'],
        allowUnsafeEnvNames: ['RUSTC_WRAPPER'],
        enabled: false,
      }),
    );
    expect(allowed.status, allowed.text).to.equal(200);
    const put = await gw.request('PUT', '/mcp/servers/cargo', {
      secretNames: ['API_KEY', 'CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER'],
    });
    expect(put.status, put.text).to.equal(400);
  });

  it('refuses to store a code-loading secret name for an env server', async () => {
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('envsrv', { secretDelivery: 'env', secretNames: ['API_KEY'], enabled: false }),
    );
    const res = await gw.request('POST', '/secrets/set', {
      username: 'oli',
      serverName: 'envsrv',
      secretName: 'LUA_INIT',
      secretValue: 'os.execute("id")',
    });
    expect(res.status, res.text).to.equal(400);
  });
});
