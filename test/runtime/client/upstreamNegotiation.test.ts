import { expect } from 'chai';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedEvent } from '../../../src/events/eventStore.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { call, remoteServer } from '../../support/remote.js';
import { approveAllHeld } from '../../support/toolPins.js';
import {
  fixtureServer,
  startTestGateway,
  waitForStatus,
  type TestGateway,
} from '../../support/testGateway.js';

const MODERN_STDIO = fileURLToPath(new URL('../../fixtures/modernStdioServer.js', import.meta.url));

const toolNames = (server: Record<string, unknown>): string[] =>
  (server.toolsList as Array<{ name: string }>).map((t) => t.name).sort();

/** Waits for the event the negotiation wrote (it is appended after the connection is up). */
async function negotiated(
  gw: TestGateway,
  serverName: string,
  connection = '@shared',
  limitMs = 10_000,
): Promise<RecordedEvent> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const all = await gw.store.readAll(0);
    const found = all.find(
      (e) =>
        e.type === 'UpstreamNegotiated' &&
        e.data.serverName === serverName &&
        e.data.connection === connection,
    );
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no UpstreamNegotiated for ${serverName}/${connection}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function methodsSeen(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

describe('upstream negotiation (stdio)', function () {
  this.timeout(60_000);
  let first: TestGateway | undefined;
  let second: TestGateway | undefined;
  afterEach(async () => {
    await first?.stop();
    await second?.close();
    first = second = undefined;
  });

  it(
    'speaks 2026-07-28 with a modern-only server, lists and calls its tools, ' +
      'and reconnects after a restart with no round trip before tools/list',
    async () => {
      first = await startTestGateway();
      const log = join(first.dataDir, 'modern.log');
      await first.request('POST', '/mcp/servers', {
        name: 'modern',
        transportType: 'stdio',
        command: process.execPath,
        args: [MODERN_STDIO],
        env: { FIXTURE_REQUEST_LOG: log },
      });
      const server = await waitForStatus(first, 'modern', ['connected']);
      expect(toolNames(server)).to.deep.equal(['echo', 'era']);
      expect((await call(first, 'modern', 'era')).output).to.equal('modern');
      const event = await negotiated(first, 'modern');
      expect(event.data).to.deep.include({
        era: 'modern',
        protocolVersion: '2026-07-28',
        transport: 'stdio',
      });
      expect((event.data.discover as { supportedVersions: string[] }).supportedVersions).to.include(
        '2026-07-28',
      );
      expect(await methodsSeen(log)).to.include('server/discover');
      await first.stop();
      await rm(log);

      second = await startTestGateway({ dataDir: first.dataDir });
      await waitForStatus(second, 'modern', ['connected']);
      expect((await call(second, 'modern', 'echo', { message: 'again' })).output).to.equal('again');
      const seen = await methodsSeen(log);
      expect(seen[0]).to.equal('tools/list');
      expect(seen).not.to.include('server/discover');
      expect(seen).not.to.include('initialize');
    },
  );

  it(
    'falls back to initialize with a legacy server, ' +
      'and after a restart sends initialize without probing',
    async () => {
      first = await startTestGateway();
      const log = join(first.dataDir, 'legacy.log');
      await first.request(
        'POST',
        '/mcp/servers',
        fixtureServer('legacy', { env: { FIXTURE_REQUEST_LOG: log } }),
      );
      await waitForStatus(first, 'legacy', ['connected']);
      expect((await call(first, 'legacy', 'echo', { message: 'hi' })).output).to.equal('hi');
      expect((await negotiated(first, 'legacy')).data).to.deep.include({
        era: 'legacy',
        protocolVersion: '2025-11-25',
      });
      const seen = await methodsSeen(log);
      expect(seen.slice(0, 2)).to.deep.equal(['server/discover', 'initialize']);
      await first.stop();
      await rm(log);

      second = await startTestGateway({ dataDir: first.dataDir });
      await waitForStatus(second, 'legacy', ['connected']);
      expect((await methodsSeen(log))[0]).to.equal('initialize');
    },
  );

  it('remembers the negotiation of a per-user process under that user, never under the shared connection', async () => {
    first = await startTestGateway();
    await first.request(
      'POST',
      '/mcp/servers',
      fixtureServer('own', {
        secretDelivery: 'env',
        secretNames: ['API_TOKEN'],
        env: { FIXTURE_REQUIRE_ENV: 'API_TOKEN' },
      }),
    );
    await first.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'own',
      secretName: 'API_TOKEN',
      secretValue: 'alice-token',
    });
    // alice's process is the first to list the tools (discovery needs the token): held until approved.
    expect((await call(first, 'own', 'echo', { message: 'mine' }, 'alice')).status).to.equal(409);
    await approveAllHeld(first, 'own');
    expect((await call(first, 'own', 'echo', { message: 'mine' }, 'alice')).output).to.equal('mine');
    expect((await negotiated(first, 'own', 'alice')).data).to.deep.include({
      era: 'legacy',
      connection: 'alice',
    });
  });

  it(
    'shows every tool of server-everything that needs no client capability, ' +
      'and more once the gateway advertises them',
    async () => {
      const everything = fileURLToPath(
        new URL(
          '../../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
          import.meta.url,
        ),
      );
      const body = {
        name: 'everything',
        transportType: 'stdio',
        command: process.execPath,
        args: [everything, 'stdio'],
        env: {},
      };
      first = await startTestGateway({ upstreamCapabilities: {} });
      await first.request('POST', '/mcp/servers', body);
      const plain = toolNames(await waitForStatus(first, 'everything', ['connected'], 30_000));
      expect(plain).to.include.members(['echo', 'get-sum', 'trigger-long-running-operation']);
      expect(plain).not.to.include('trigger-sampling-request');
      expect((await call(first, 'everything', 'echo', { message: 'hello' })).output).to.contain('hello');

      second = await startTestGateway({
        upstreamCapabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
      });
      await second.request('POST', '/mcp/servers', body);
      const capable = toolNames(await waitForStatus(second, 'everything', ['connected'], 30_000));
      expect(capable).to.include.members([
        ...plain,
        'trigger-sampling-request',
        'trigger-elicitation-request',
        'get-roots-list',
      ]);
    },
  );

  it(
    'answers a result over the message size limit with 502 result_too_large, ' +
      'without restarting the shared server',
    async () => {
      first = await startTestGateway({ maxMessageBytes: 4_096 });
      await first.request('POST', '/mcp/servers', fixtureServer('big', { env: { FIXTURE_BIG: '1' } }));
      const before = await waitForStatus(first, 'big', ['connected']);
      const res = await call(first, 'big', 'big', { bytes: 10_000 });
      expect(res.status, res.text).to.equal(502);
      expect(res.body.code).to.equal('result_too_large');
      expect(res.body.error).to.match(/returned \d+ bytes, over the limit of 4096 bytes/);
      expect(res.body.limit).to.equal(4096);
      expect((await call(first, 'big', 'echo', { message: 'still here' })).output).to.equal('still here');
      const after = await waitForStatus(first, 'big', ['connected']);
      expect(after.pid).to.equal(before.pid);
      expect(after.restarts ?? 0).to.equal(before.restarts ?? 0);
    },
  );
});

describe('upstream negotiation (remote)', function () {
  this.timeout(60_000);
  let up: RemoteMcpServer | undefined;
  let first: TestGateway | undefined;
  let second: TestGateway | undefined;
  afterEach(async () => {
    await first?.stop();
    await second?.close();
    await up?.close();
    first = second = up = undefined;
  });

  const rpcs = (server: RemoteMcpServer, from = 0): string[] =>
    server.requests.slice(from).flatMap((r) => (r.rpc ? [r.rpc] : []));

  for (const [mode, era, version] of [
    ['modern', 'modern', '2026-07-28'],
    ['streamable', 'legacy', '2025-11-25'],
    ['stateless', 'legacy', '2025-11-25'],
    ['sse', 'legacy', '2025-11-25'],
  ] as const) {
    it(
      `connects a ${mode} server (${era} era), shows and calls its tools, ` +
        `and reconnects after a restart without a probe`,
      async () => {
        up = await startRemoteMcpServer({ mode });
        first = await startTestGateway();
        await first.request('POST', '/mcp/servers', remoteServer('far', up.url));
        const server = await waitForStatus(first, 'far', ['connected']);
        expect(toolNames(server)).to.include.members(['add', 'echo']);
        expect((await call(first, 'far', 'add', { a: 2, b: 3 })).output).to.equal('5');
        const event = await negotiated(first, 'far');
        expect(event.data).to.deep.include({
          era,
          protocolVersion: version,
          transport: mode === 'sse' ? 'sse' : 'streamable_http',
        });
        expect(rpcs(up)).to.include('server/discover');
        await first.stop();

        const mark = up.requests.length;
        second = await startTestGateway({ dataDir: first.dataDir });
        await waitForStatus(second, 'far', ['connected']);
        expect((await call(second, 'far', 'echo', { message: 'back' })).output).to.equal('back');
        expect(rpcs(up, mark)).not.to.include('server/discover');
        if (mode === 'modern') expect(rpcs(up, mark)[0]).to.equal('tools/list');
        // An SSE-only server is not asked over Streamable HTTP again.
        if (mode === 'sse')
          expect(
            up.requests.slice(mark).filter((r) => r.method === 'POST' && r.path === '/mcp'),
          ).to.deep.equal([]);
      },
    );
  }
});
