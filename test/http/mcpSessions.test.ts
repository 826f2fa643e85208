import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { connectMcp, INITIALIZE, postMcp, type McpTestClient } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

describe('/mcp sessions and stateless mode', () => {
  let gw: TestGateway;
  const clients: McpTestClient[] = [];
  const connect = async (query: string): Promise<McpTestClient> => {
    const c = await connectMcp(gw, { query });
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway({
      mcp: { maxSessionsPerUser: 2, sessionIdleTimeoutMs: 60_000, maxConcurrentCallsPerSession: 1 },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
  });

  it('stateless mode: each POST stands alone, answered with JSON and no session id', async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'sally',
      serverName: 'fx',
      secretName: 'TOKEN',
      secretValue: 'sally-stateless-7731',
    });
    const init = await postMcp(gw, INITIALIZE, { query: 'mode=stateless&username=sally' });
    expect(init.status).to.equal(200);
    expect(init.headers.get('content-type')).to.contain('application/json');
    expect(init.headers.get('mcp-session-id')).to.equal(null);
    expect((init.json().result as { serverInfo: { name: string } }).serverInfo.name).to.equal('mcp-api');

    const list = await postMcp(gw, LIST, {
      query: 'mode=stateless&username=sally',
      headers: { 'mcp-protocol-version': '2025-11-25' },
    });
    expect((list.json().result as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).to.include(
      'fx__echo',
    );

    const call = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'fx__echo_secret', arguments: { name: 'TOKEN' } },
    };
    const called = await postMcp(gw, call, {
      query: 'mode=stateless&username=sally',
      headers: { 'mcp-protocol-version': '2025-11-25' },
    });
    expect(text(called.json().result)).to.equal('sally-stateless-7731');

    const get = await fetch(`${gw.url}/mcp?mode=stateless`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${gw.adminToken}` },
    });
    expect(get.status).to.equal(405);
  });

  it('an SDK client works against stateless mode too', async () => {
    const { client } = await connect('mode=stateless&username=sam');
    expect(text(await client.callTool({ name: 'fx__echo', arguments: { message: 'no session' } }))).to.equal(
      'no session',
    );
  });

  it('refuses a session id presented by another user and keeps serving its owner', async () => {
    const alice = await connect('username=alice');
    const sessionId = alice.transport.sessionId as string;
    expect(sessionId).to.be.a('string');
    const hijack = await postMcp(gw, LIST, {
      query: 'username=mallory',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(hijack.status).to.equal(403);
    expect(hijack.text).to.contain('belongs to another user');
    const viaHeader = await postMcp(gw, LIST, {
      headers: {
        'x-mcp-username': 'mallory',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
    });
    expect(viaHeader.status).to.equal(403);
    expect((await alice.client.listTools()).tools.length).to.be.greaterThan(0);
  });

  it(
    "binds a session to the token's user: " +
      "another user's token, or the admin acting as that user, is refused",
    async () => {
      const alice = await gw.issueToken('alice');
      const bob = await gw.issueToken('bob');
      await gw.request('POST', '/secrets/set', {
        username: 'alice',
        serverName: 'fx',
        secretName: 'TOKEN',
        secretValue: 'alice-token-secret-9911',
      });
      const session = await connectMcp(gw, { token: alice.token });
      clients.push(session);
      const sessionId = session.transport.sessionId as string;
      const asAlice = await session.client.callTool({
        name: 'fx__echo_secret',
        arguments: { name: 'TOKEN' },
      });
      expect(text(asAlice)).to.equal('alice-token-secret-9911');

      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
      const asBob = await postMcp(gw, LIST, { token: bob.token, headers });
      expect(asBob.status).to.equal(403);
      expect(asBob.text).to.not.contain('alice-token-secret-9911');
      const adminAsAlice = await postMcp(gw, LIST, { query: 'username=alice', headers });
      expect(adminAsAlice.status).to.equal(403);
      const noToken = await postMcp(gw, LIST, { token: null, headers });
      expect(noToken.status).to.equal(401);
      const deleteAsBob = await fetch(`${gw.url}/mcp`, {
        method: 'DELETE',
        headers: { ...headers, authorization: `Bearer ${bob.token}` },
      });
      expect(deleteAsBob.status).to.equal(403);
      expect((await session.client.listTools()).tools.length).to.be.greaterThan(0);
    },
  );

  it('lets a user token act only as its own user', async () => {
    const carol = await gw.issueToken('carol');
    const other = await postMcp(gw, INITIALIZE, { token: carol.token, query: 'username=dave' });
    expect(other.status).to.equal(403);
    const viaHeader = await postMcp(gw, INITIALIZE, {
      token: carol.token,
      headers: { 'x-mcp-username': 'dave' },
    });
    expect(viaHeader.status).to.equal(403);
    const own = await postMcp(gw, INITIALIZE, { token: carol.token, query: 'username=carol' });
    expect(own.status).to.equal(200);
  });

  it('rejects requests without a session, unknown sessions, and ends a session on DELETE', async () => {
    const noSession = await postMcp(gw, LIST, { query: 'username=dan' });
    expect(noSession.status).to.equal(400);
    const unknown = await postMcp(gw, LIST, {
      query: 'username=dan',
      headers: { 'mcp-session-id': 'not-a-session' },
    });
    expect(unknown.status).to.equal(404);

    const dan = await connectMcp(gw, { query: 'username=dan' });
    const sessionId = dan.transport.sessionId as string;
    await dan.transport.terminateSession();
    await dan.client.close();
    const after = await postMcp(gw, LIST, {
      query: 'username=dan',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(after.status).to.equal(404);
  });

  it('limits concurrent calls per session', async () => {
    const { client } = await connect('username=eve');
    const slow = client.callTool({ name: 'fx__slow', arguments: { ms: 500 } });
    await new Promise((r) => setTimeout(r, 100));
    const second = await client.callTool({ name: 'fx__echo', arguments: { message: 'x' } });
    expect(second.isError).to.equal(true);
    expect(text(second)).to.contain('already has 1 tool calls running');
    expect(text(await slow)).to.equal('slept 500 ms');
  });

  it('cancels in-flight calls upstream when a session is deleted', async () => {
    const c = await connectMcp(gw, { query: 'username=fay' });
    const pending = c.client
      .callTool({ name: 'fx__slow', arguments: { ms: 20_000 } })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const before = (gw.gateway.pool.snapshot('fx')?.logs ?? []).filter((l) =>
      l.includes('cancelled slow'),
    ).length;
    await c.transport.terminateSession();
    await waitFor(
      () =>
        (gw.gateway.pool.snapshot('fx')?.logs ?? []).filter((l) => l.includes('cancelled slow')).length >
        before,
      'upstream cancellation',
    );
    await c.client.close();
    await pending;
  });

  it('400s a malformed query before touching the protocol', async () => {
    const bad = await postMcp(gw, INITIALIZE, { query: 'mode=sideways&servers=bad%20name' });
    expect(bad.status).to.equal(400);
    expect(bad.json().code).to.equal('invalid_request');
    expect(String(bad.json().error)).to.contain('mode').and.contain('servers');
  });
});
