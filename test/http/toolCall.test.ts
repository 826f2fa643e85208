import { expect } from 'chai';
import { Pool } from 'undici';
import { waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Result = {
  content: Array<{ type: string; text: string }>;
  isError?: boolean;
  structuredContent?: unknown;
};
const text = (body: Record<string, unknown>): string => (body.data as Result).content[0]!.text;

describe('POST /mcp/tool/call', () => {
  let gw: TestGateway;
  const call = (args: Record<string, unknown>) => gw.request('POST', '/mcp/tool/call', args);
  const setSecret = (
    username: string | undefined,
    serverName: string,
    secretName: string,
    secretValue: string,
  ) =>
    gw.request('POST', '/secrets/set', {
      ...(username ? { username } : {}),
      serverName,
      secretName,
      secretValue,
    });

  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it('calls the tool and returns its result as data', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    const res = await call({ serverName: 'fx', methodName: 'add', args: { a: 2, b: 40 } });
    expect(res.status).to.equal(200);
    expect(res.body.success).to.equal(true);
    expect(res.body.data).to.deep.include({ structuredContent: { sum: 42 } });
  });

  it('waits for a server that is still connecting instead of failing', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('early'));
    const res = await call({ serverName: 'early', methodName: 'echo', args: { message: 'first' } });
    expect(text(res.body)).to.equal('first');
  });

  it("injects only the caller's secrets", async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('shared'));
    await setSecret('alice', 'shared', 'API_KEY', 'alice-key-111');
    await setSecret('bob', 'shared', 'API_KEY', 'bob-key-222');
    const asAlice = await call({
      username: 'alice',
      serverName: 'shared',
      methodName: 'echo_secret',
      args: { name: 'API_KEY' },
    });
    const asBob = await call({
      username: 'bob',
      serverName: 'shared',
      methodName: 'echo_secret',
      args: { name: 'API_KEY' },
    });
    const asDefault = await call({ serverName: 'shared', methodName: 'echo_args', args: {} });
    expect(text(asAlice.body)).to.equal('alice-key-111');
    expect(text(asBob.body)).to.equal('bob-key-222');
    expect(text(asDefault.body)).to.equal('{}');
  });

  it('uses "default" when username is omitted', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('dflt'));
    await setSecret(undefined, 'dflt', 'TOKEN', 'default-user-token');
    const res = await call({
      username: 'default',
      serverName: 'dflt',
      methodName: 'echo_secret',
      args: { name: 'TOKEN' },
    });
    expect(text(res.body)).to.equal('default-user-token');
  });

  it('lets stored secrets win over same-named arguments', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('win'));
    await setSecret('carol', 'win', 'API_KEY', 'stored-value');
    const res = await call({
      username: 'carol',
      serverName: 'win',
      methodName: 'echo_secret',
      args: { name: 'API_KEY', API_KEY: 'forged' },
    });
    expect(text(res.body)).to.equal('stored-value');
  });

  it('injects only declared secretNames when the server declares them', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('picky', { secretNames: ['ALLOWED'] }));
    await setSecret('dave', 'picky', 'ALLOWED', 'allowed-value');
    await setSecret('dave', 'picky', 'OTHER', 'other-value');
    const res = await call({ username: 'dave', serverName: 'picky', methodName: 'echo_args', args: {} });
    expect(JSON.parse(text(res.body))).to.deep.equal({ ALLOWED: 'allowed-value' });
  });

  it('does not push secrets into a tool whose schema forbids extra properties', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('strict'));
    await setSecret('erin', 'strict', 'API_KEY', 'erin-key-333');
    const res = await call({
      username: 'erin',
      serverName: 'strict',
      methodName: 'echo',
      args: { message: 'still works' },
    });
    expect(res.status).to.equal(200);
    expect(text(res.body)).to.equal('still works');
  });

  it(
    'rejects arguments that violate the inputSchema ' +
      'with a 400 listing what is wrong, without echoing values',
    async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('schema'));
      await setSecret('frank', 'schema', 'a', 'secret-canary-7781');
      const res = await call({
        username: 'frank',
        serverName: 'schema',
        methodName: 'add',
        args: { b: 'wrong-type-canary' },
      });
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_arguments');
      expect(res.body.problems).to.include.members(['/a must be number', '/b must be number']);
      expect(res.text).to.not.contain('secret-canary-7781').and.not.contain('wrong-type-canary');
    },
  );

  it('returns an MCP tool error (isError) as data, not as an HTTP error', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('failing'));
    const res = await call({ serverName: 'failing', methodName: 'fail', args: {} });
    expect(res.status).to.equal(200);
    expect((res.body.data as Result).isError).to.equal(true);
    expect(text(res.body)).to.equal('tool failed on purpose');
  });

  it('answers 504 when the per-server timeout passes, and cancels the call upstream', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('sluggish', { timeout: 300 }));
    const res = await call({ serverName: 'sluggish', methodName: 'slow', args: { ms: 20_000 } });
    expect(res.status).to.equal(504);
    expect(res.body.code).to.equal('upstream_timeout');
    await waitFor(
      () => (gw.gateway.pool.snapshot('sluggish')?.logs ?? []).some((l) => l.includes('cancelled slow')),
      'upstream cancellation',
    );
  });

  it('cancels the call upstream when the HTTP client disconnects', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('hangup'));
    await waitForStatus(gw, 'hangup', ['connected']);
    const abort = new AbortController();
    const pending = fetch(`${gw.url}/mcp/tool/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.adminToken}` },
      body: JSON.stringify({ serverName: 'hangup', methodName: 'slow', args: { ms: 20_000 } }),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    await pending;
    await waitFor(
      () => (gw.gateway.pool.snapshot('hangup')?.logs ?? []).some((l) => l.includes('cancelled slow')),
      'upstream cancellation',
    );
  });

  it(
    'cancels a call on a kept-alive connection when that connection closes, ' +
      'and leaves no listener per call',
    async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('kept'));
      await waitForStatus(gw, 'kept', ['connected']);
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on('warning', onWarning);
      // One connection for every request: the calls share its close signal.
      const pool = new Pool(gw.url, { connections: 1 });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${gw.adminToken}` };
      const post = (args: Record<string, unknown>, methodName = 'echo') =>
        pool.request({
          path: '/mcp/tool/call',
          method: 'POST',
          headers,
          body: JSON.stringify({ serverName: 'kept', methodName, args }),
        });
      try {
        for (let i = 0; i < 30; i++) {
          const res = await post({ message: `m${i}` });
          expect(res.statusCode).to.equal(200);
          await res.body.text();
        }
        await new Promise((r) => setImmediate(r));
        expect(warnings.map((w) => w.name)).not.to.include('MaxListenersExceededWarning');
        const slow = post({ ms: 20_000 }, 'slow').catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200));
        await pool.destroy();
        await slow;
        await waitFor(
          () => (gw.gateway.pool.snapshot('kept')?.logs ?? []).some((l) => l.includes('cancelled slow')),
          'upstream cancellation',
        );
      } finally {
        process.off('warning', onWarning);
        await pool.destroy().catch(() => undefined);
      }
    },
  );

  it('fails an in-flight call at once when the child dies, then works again after the restart', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('fragile'));
    const before = await waitForStatus(gw, 'fragile', ['connected']);
    const crashed = await call({ serverName: 'fragile', methodName: 'crash', args: {} });
    expect(crashed.status).to.equal(502);
    expect(crashed.body.code).to.equal('upstream_crashed');
    await waitFor(() => {
      const s = gw.gateway.pool.snapshot('fragile');
      return s?.status === 'connected' && s.pid !== before.pid;
    }, 'restart');
    const again = await call({ serverName: 'fragile', methodName: 'echo', args: { message: 'back' } });
    expect(text(again.body)).to.equal('back');
    const after = await waitForStatus(gw, 'fragile', ['connected']);
    expect(after.restarts).to.be.at.least(1);
    expect((after.logs as string[]).join('\n')).to.contain('crashing on request');
  });

  it('opens the crash-loop breaker: status error with the reason, until the config changes', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('loop', { env: { FIXTURE_FAIL_START: '1' } }));
    const broken = await waitForStatus(gw, 'loop', ['error']);
    expect(String(broken.statusMessage)).to.match(/crash/i);
    expect((broken.logs as string[]).join('\n')).to.contain('bad config');
    const res = await call({ serverName: 'loop', methodName: 'echo', args: { message: 'x' } });
    expect(res.status).to.equal(503);
    expect(res.body.code).to.equal('server_unavailable');
    await gw.request('PUT', '/mcp/servers/loop', { env: {} });
    await waitForStatus(gw, 'loop', ['connected']);
  });

  it('404s an unknown server or tool and 400s a malformed call', async () => {
    await gw.request('POST', '/mcp/servers', fixtureServer('known'));
    const noServer = await call({ serverName: 'unknown', methodName: 'echo', args: {} });
    expect(noServer.status).to.equal(404);
    expect(noServer.body.code).to.equal('server_not_found');
    const noTool = await call({ serverName: 'known', methodName: 'nope', args: {} });
    expect(noTool.status).to.equal(404);
    expect(noTool.body.code).to.equal('tool_not_found');
    const malformed = await call({ serverName: 'known', args: [] });
    expect(malformed.status).to.equal(400);
    expect(String(malformed.body.error)).to.contain('methodName').and.contain('args');
  });
});
