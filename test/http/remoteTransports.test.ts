import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { waitFor } from '../runtime/processTestUtils.js';
import { call, remoteServer } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const toolNames = (server: Record<string, unknown>): string[] =>
  (server.toolsList as Array<{ name: string }>).map((t) => t.name);

describe('remote MCP servers (streamable_http)', () => {
  let gw: TestGateway;
  const upstreams: RemoteMcpServer[] = [];
  const upstream = async (options: Parameters<typeof startRemoteMcpServer>[0]): Promise<RemoteMcpServer> => {
    const server = await startRemoteMcpServer(options);
    upstreams.push(server);
    return server;
  };

  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  it('connects to a stateful Streamable HTTP server, lists its tools and calls one', async () => {
    const up = await upstream({ mode: 'streamable' });
    const res = await gw.request(
      'POST',
      '/mcp/servers',
      remoteServer('remote', up.url, { headers: { 'X-Tenant': 'acme' } }),
    );
    expect(res.status, res.text).to.equal(200);
    const server = await waitForStatus(gw, 'remote', ['connected']);
    expect(server).to.include({
      transportType: 'streamable_http',
      url: up.url,
      activeTransport: 'streamable_http',
      sessionId: '[redacted]',
    });
    expect(server.headers).to.deep.equal({ 'X-Tenant': 'acme' });
    expect(server).to.not.have.any.keys('command', 'args', 'env');
    expect(toolNames(server)).to.have.members(['echo', 'add', 'whoami']);

    const out = await call(gw, 'remote', 'add', { a: 2, b: 3 });
    expect(out.status, out.text).to.equal(200);
    expect(out.output).to.equal('5');
    expect(up.sessionsCreated).to.have.length(1);
    expect(
      up.requests.filter((r) => r.rpc === 'tools/call').every((r) => r.headers['x-tenant'] === 'acme'),
    ).to.equal(true);
  });

  it('falls back to the legacy SSE transport when POST answers 404', async () => {
    const up = await upstream({ mode: 'sse', postStatus: 404 });
    await gw.request('POST', '/mcp/servers', remoteServer('legacy', up.url));
    const server = await waitForStatus(gw, 'legacy', ['connected']);
    expect(server).to.include({ activeTransport: 'sse' });
    expect(server).to.not.have.property('sessionId');
    const out = await call(gw, 'legacy', 'echo', { message: 'over sse' });
    expect(out.output, out.text).to.equal('over sse');
  });

  it('falls back to SSE when POST answers 405', async () => {
    const up = await upstream({ mode: 'sse', postStatus: 405 });
    await gw.request('POST', '/mcp/servers', remoteServer('old', up.url));
    const server = await waitForStatus(gw, 'old', ['connected']);
    expect(server.activeTransport).to.equal('sse');
    expect(up.requests.some((r) => r.method === 'POST' && r.status === 405)).to.equal(true);
    expect((await call(gw, 'old', 'add', { a: 1, b: 1 })).output).to.equal('2');
  });

  it('does not fall back on a server error; it reports it and retries with backoff', async () => {
    const up = await upstream({ mode: 'sse', postStatus: 500 });
    await gw.request('POST', '/mcp/servers', remoteServer('broken', up.url));
    const server = await waitForStatus(gw, 'broken', ['error']);
    expect(String(server.statusMessage))
      .to.match(/500/)
      .and.to.match(/retrying in \d+ ms/);
    expect(up.requests.some((r) => r.method === 'GET')).to.equal(false);
    const out = await call(gw, 'broken', 'echo', { message: 'x' });
    expect(out.status).to.equal(503);
  });

  it('works with a stateless server, which has no session to persist', async () => {
    const up = await upstream({ mode: 'stateless' });
    await gw.request('POST', '/mcp/servers', remoteServer('flat', up.url));
    const server = await waitForStatus(gw, 'flat', ['connected']);
    expect(server).to.include({ activeTransport: 'streamable_http' });
    expect(server).to.not.have.property('sessionId');
    expect((await call(gw, 'flat', 'echo', { message: 'hi' })).output).to.equal('hi');
    const log = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    expect(log).to.not.contain('SessionIdChanged');
  });

  it('seals credential headers in the event log, redacts them in views and sends them upstream', async () => {
    const up = await upstream({ mode: 'streamable' });
    const canary = 'CANARY-HEADER-0d9f2b7e';
    await gw.request(
      'POST',
      '/mcp/servers',
      remoteServer('keyed', up.url, { headers: { 'X-Api-Key': canary, Accept_Language: 'en' } }),
    );
    const server = await waitForStatus(gw, 'keyed', ['connected']);
    expect(server.headers).to.deep.equal({ 'X-Api-Key': '[redacted]', Accept_Language: 'en' });
    expect(up.requests.every((r) => r.headers['x-api-key'] === canary)).to.equal(true);
    // Sending the redacted view back changes nothing: same ciphertext, no restart, no new session.
    // (Once the first tool catalogue is pinned: that event is written in the background after connecting.)
    const serverId = gw.gateway.projector.readModels.servers.get('keyed')?.serverId as string;
    await waitFor(
      () => gw.gateway.projector.readModels.toolPins.get(serverId)?.established === true,
      'tools pinned',
    );
    const before = await gw.store.headPosition();
    const put = await gw.request('PUT', '/mcp/servers/keyed', { headers: server.headers });
    expect(put.status, put.text).to.equal(200);
    expect(await gw.store.headPosition()).to.equal(before);
    const log = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    expect(log).to.contain('sealedHeaders').and.not.contain(canary);
    for (const line of gw.logs) expect(line).to.not.contain(canary);
  });

  it('ends the session upstream and forgets it when the server is disabled', async () => {
    const up = await upstream({ mode: 'streamable' });
    await gw.request('POST', '/mcp/servers', remoteServer('ending', up.url));
    await waitForStatus(gw, 'ending', ['connected']);
    const sessionId = up.sessionsCreated[0];
    await gw.request('PUT', '/mcp/servers/ending/disable');
    await waitFor(() => up.sessionsTerminated.includes(sessionId as string), 'DELETE of the session');
    const serverId = gw.gateway.projector.readModels.servers.get('ending')?.serverId as string;
    await waitFor(
      () => gw.gateway.projector.readModels.sessions.get(serverId) === undefined,
      'session forgotten',
    );
  });

  it('reconnects with backoff when the remote drops, and calls work again once it is back', async () => {
    const first = await upstream({ mode: 'streamable' });
    await gw.request('POST', '/mcp/servers', remoteServer('flaky', first.url));
    await waitForStatus(gw, 'flaky', ['connected']);
    await first.close();
    const down = await call(gw, 'flaky', 'echo', { message: 'anyone?' });
    expect(down.status, down.text).to.be.oneOf([502, 503]);
    const waiting = await waitForStatus(gw, 'flaky', ['error']);
    expect(String(waiting.statusMessage)).to.match(/retrying in \d+ ms/);
    const port = Number(new URL(first.url).port);
    const second = await upstream({ mode: 'streamable', port });
    const back = await waitForStatus(gw, 'flaky', ['connected']);
    expect(back.restarts).to.be.greaterThan(0);
    expect((await call(gw, 'flaky', 'echo', { message: 'back' })).output).to.equal('back');
    // The new instance never knew the old session: it was replaced by a new one.
    expect(second.sessionsCreated).to.have.length(1);
  });

  it('refuses to connect to a host name that resolves to a private address the policy does not allow', async () => {
    const strict = await startTestGateway({
      remote: { urlPolicy: (await import('../../src/net/urlSafety.js')).createUrlPolicy() },
    });
    try {
      const up = await upstream({ mode: 'streamable' });
      const viaName = up.url.replace('127.0.0.1', 'localhost');
      const res = await strict.request('POST', '/mcp/servers', remoteServer('private', viaName));
      expect(res.status, res.text).to.equal(200);
      const server = await waitForStatus(strict, 'private', ['error']);
      expect(String(server.statusMessage)).to.contain('OUTBOUND_ALLOW_NETWORKS');
      expect(up.requests).to.have.length(0);
      const literal = await strict.request('POST', '/mcp/servers', remoteServer('literal', up.url));
      expect(literal.status).to.equal(400);
      expect(String(literal.body.error)).to.contain('private or loopback');
    } finally {
      await strict.close();
    }
  });
});
