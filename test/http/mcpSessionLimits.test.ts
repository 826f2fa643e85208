import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { connectMcp, INITIALIZE, postMcp, type McpTestClient } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

// The limits on /mcp sessions and calls: the per-user session cap, the tool-call rate limit, the idle timeout.
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

describe('/mcp per-user session cap', () => {
  let gw: TestGateway;
  let nowMs = Date.now();
  const clients: McpTestClient[] = [];
  const headers = (sessionId: string) => ({
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
  });

  before(async () => {
    gw = await startTestGateway({
      clock: () => new Date(nowMs),
      mcp: { maxSessionsPerUser: 2, sessionIdleTimeoutMs: 1_800_000, maxConcurrentCallsPerSession: 4 },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw.close();
  });

  it(
    'never evicts a session in use: beyond the cap a new session is refused (429) ' +
      'until one is abandoned long enough, which then goes first',
    async () => {
      const other = await connectMcp(gw, { query: 'username=olga' });
      const streaming = await connectMcp(gw, { query: 'username=carl' });
      clients.push(other, streaming);
      const abandoned = await postMcp(gw, INITIALIZE, { query: 'username=carl' });
      const abandonedId = abandoned.headers.get('mcp-session-id') as string;
      expect(abandonedId).to.be.a('string');

      const refused = await postMcp(gw, INITIALIZE, { query: 'username=carl' });
      expect(refused.status).to.equal(429);
      expect(refused.text).to.contain('already has 2 MCP sessions in use');
      expect(refused.headers.get('retry-after')).to.equal('60');

      nowMs += 2 * 60_000; // past the 1-minute protection of a recently used session
      const admitted = await postMcp(gw, INITIALIZE, { query: 'username=carl' });
      expect(admitted.status).to.equal(200);
      const gone = await postMcp(gw, LIST, { query: 'username=carl', headers: headers(abandonedId) });
      expect(gone.status).to.equal(404);
      // The session with an open stream was older and idle as long, and is still there.
      expect((await streaming.client.listTools()).tools.length).to.be.greaterThan(0);
      expect((await other.client.listTools()).tools.length).to.be.greaterThan(0);
    },
  );
});

describe('/mcp tool-call rate limit', () => {
  it('applies the per-user tool-call limit of the REST API to /mcp calls (an isError result)', async () => {
    const gw = await startTestGateway({
      security: {
        limits: {
          maxSecretsPerUser: 500,
          maxSecretValueBytes: 65_536,
          toolCallsPerMinute: 1,
          toolCallBurst: 1,
        },
      },
    });
    try {
      await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
      await waitForStatus(gw, 'fx', ['connected']);
      const c = await connectMcp(gw, { query: 'username=rita' });
      expect(text(await c.client.callTool({ name: 'fx__echo', arguments: { message: 'one' } }))).to.equal(
        'one',
      );
      const second = await c.client.callTool({ name: 'fx__echo', arguments: { message: 'two' } });
      expect(second.isError).to.equal(true);
      expect(text(second)).to.contain('Too many tool calls').and.contain('rate_limited');
      await c.close();
    } finally {
      await gw.close();
    }
  });
});

describe('/mcp idle sessions', () => {
  it('closes a session idle longer than the idle timeout', async () => {
    const gw = await startTestGateway({
      mcp: { maxSessionsPerUser: 5, sessionIdleTimeoutMs: 200, maxConcurrentCallsPerSession: 4 },
    });
    try {
      const init = await postMcp(gw, INITIALIZE, { query: 'username=ida' });
      const sessionId = init.headers.get('mcp-session-id') as string;
      expect(gw.gateway.mcp.sessionCount).to.equal(1);
      await waitFor(() => gw.gateway.mcp.sessionCount === 0, 'idle session reaped');
      const after = await postMcp(gw, LIST, {
        query: 'username=ida',
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      });
      expect(after.status).to.equal(404);
    } finally {
      await gw.close();
    }
  });
});
