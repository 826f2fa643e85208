import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { connectMcpV2, postMcp, INITIALIZE, type McpV2TestClient } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

/** The v1 client's legacy-era behaviour is tested in mcpEndpoint.test.ts; the same for the v2 client. */
describe('/mcp with the v2 SDK client in the legacy era (initialize, Mcp-Session-Id)', () => {
  let gw: TestGateway;
  const clients: McpV2TestClient[] = [];
  const connect = async (query?: string): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, 'legacy', query ? { query } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await waitForStatus(gw, 'alpha', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
  });

  it("opens a session, lists and calls with the user's own secrets", async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'lena',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'lena-legacy-v2-key-1188',
    });
    const { client, transport } = await connect('username=lena');
    expect(transport.sessionId).to.be.a('string');
    expect((await client.listTools()).tools.map((t) => t.name)).to.include('alpha__echo');
    expect(
      text(await client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } })),
    ).to.equal('lena-legacy-v2-key-1188');
  });

  it('forwards progress and cancels upstream on notifications/cancelled', async () => {
    const { client } = await connect();
    const seen: number[] = [];
    expect(
      text(
        await client.callTool(
          { name: 'alpha__slow', arguments: { ms: 300 } },
          { onprogress: (p) => seen.push(p.progress) },
        ),
      ),
    ).to.equal('slept 300 ms');
    expect(seen.length).to.be.at.least(1);
    const cancelled = () =>
      (gw.gateway.pool.snapshot('alpha')?.logs ?? []).filter((l) => l.includes('cancelled slow')).length;
    const before = cancelled();
    const abort = new AbortController();
    const pending = client
      .callTool({ name: 'alpha__slow', arguments: { ms: 20_000 } }, { signal: abort.signal })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    abort.abort('stop');
    expect(await pending).to.be.instanceOf(Error);
    await waitFor(() => cancelled() > before, 'upstream cancellation');
  });

  it('sends tools/list_changed on the session stream when a server is registered', async () => {
    const { client } = await connect();
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes += 1;
    });
    await client.listTools();
    await new Promise((r) => setTimeout(r, 100));
    await gw.request('POST', '/mcp/servers', fixtureServer('delta'));
    await waitFor(() => changes > 0, 'list_changed after registering a server');
  });

  it(
    'answers a legacy request naming an unsupported protocol version ' +
      'with 400 and the versions it speaks',
    async () => {
      const init = await postMcp(gw, INITIALIZE);
      const sessionId = init.headers.get('mcp-session-id') as string;
      const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
      const res = await postMcp(gw, list, {
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2024-01-01' },
      });
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('Unsupported protocol version').and.contain('2025-11-25');
    },
  );
});
