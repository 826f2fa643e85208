import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import {
  connectMcpV2,
  envelope,
  modernHeaders,
  postMcp,
  type McpV2TestClient,
} from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const call = (
  id: number,
  name: string,
  args: Record<string, unknown>,
  meta: Record<string, unknown> = envelope(),
) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, _meta: meta },
});

describe('/mcp with a client pinned to 2026-07-28 (v2 SDK)', () => {
  let gw: TestGateway;
  const clients: McpV2TestClient[] = [];
  const connect = async (query?: string): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, 'modern', query ? { query } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('beta'));
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await waitForStatus(gw, 'alpha', ['connected']);
    await waitForStatus(gw, 'beta', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
  });

  it('discovers the gateway and lists tools in a deterministic order, cacheable only privately', async () => {
    const { client } = await connect();
    expect(client.getServerVersion()?.name).to.equal('mcp-api');
    const first = await client.listTools();
    const second = await client.listTools();
    const names = first.tools.map((t: Tool) => t.name);
    expect(names).to.deep.equal(second.tools.map((t: Tool) => t.name));
    expect(names.indexOf('alpha__echo')).to.be.lessThan(names.indexOf('beta__echo'));
    expect(first).to.deep.include({ ttlMs: 60_000, cacheScope: 'private' });
  });

  it("calls a tool with the caller's own secrets injected", async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'mona',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'mona-modern-key-8123',
    });
    const { client } = await connect('username=mona');
    expect(
      text(await client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } })),
    ).to.equal('mona-modern-key-8123');
  });

  it('forwards upstream progress on the response stream', async () => {
    const { client } = await connect();
    const seen: number[] = [];
    const result = await client.callTool(
      { name: 'beta__slow', arguments: { ms: 400 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(text(result)).to.equal('slept 400 ms');
    expect(seen.length).to.be.at.least(2);
  });

  it('treats a closed response stream as cancellation and cancels the upstream call', async () => {
    const cancelled = () =>
      (gw.gateway.pool.snapshot('beta')?.logs ?? []).filter((l) => l.includes('cancelled slow')).length;
    const before = cancelled();
    const aborter = new AbortController();
    const pending = fetch(`${gw.url}/mcp`, {
      method: 'POST',
      signal: aborter.signal,
      headers: {
        authorization: `Bearer ${gw.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...modernHeaders('tools/call', 'beta__slow'),
      },
      body: JSON.stringify(call(1, 'beta__slow', { ms: 20_000 })),
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    aborter.abort();
    await pending;
    // At once, not at the SDK's next keep-alive write (10 s), which would notice the closed stream too.
    await waitFor(() => cancelled() > before, 'upstream cancellation', 5_000);
  });

  it('tells subscriptions/listen streams that tools changed', async () => {
    const { client } = await connect();
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed += 1;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    expect(subscription.honoredFilter.toolsListChanged).to.equal(true);
    await gw.request('POST', '/mcp/servers', fixtureServer('gamma'));
    await waitFor(() => changed > 0, 'tools/list_changed on the listen stream');
    await subscription.close();
  });

  it('refuses a request whose Mcp-Method or Mcp-Name header disagrees with the body (-32020)', async () => {
    const wrongMethod = await postMcp(gw, call(2, 'alpha__echo', { message: 'x' }), {
      headers: modernHeaders('tools/list'),
    });
    expect(wrongMethod.status).to.equal(400);
    expect((wrongMethod.json().error as { code: number }).code).to.equal(-32020);
    const wrongName = await postMcp(gw, call(3, 'alpha__echo', { message: 'x' }), {
      headers: modernHeaders('tools/call', 'beta__echo'),
    });
    expect((wrongName.json().error as { code: number }).code).to.equal(-32020);
    const wrongVersion = await postMcp(gw, call(4, 'alpha__echo', { message: 'x' }), {
      headers: modernHeaders('tools/call', 'alpha__echo', '2025-11-25'),
    });
    expect((wrongVersion.json().error as { code: number }).code).to.equal(-32020);
  });

  it('answers an unsupported version with -32022 listing the versions it speaks', async () => {
    const body = { jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: envelope('2099-01-01') } };
    const res = await postMcp(gw, body, { headers: modernHeaders('tools/list', undefined, '2099-01-01') });
    const error = res.json().error as { code: number; data: { supported: string[] } };
    expect(error.code).to.equal(-32022);
    expect(error.data.supported).to.include('2026-07-28');
  });

  it('honours the per-request log level: log messages only when the request asks for them', async () => {
    const quiet = await postMcp(gw, call(6, 'alpha__echo', { message: 'q' }), {
      headers: modernHeaders('tools/call', 'alpha__echo'),
    });
    expect(quiet.text).to.not.contain('notifications/message');
    const meta = envelope('2026-07-28', { 'io.modelcontextprotocol/logLevel': 'debug' });
    const loud = await postMcp(gw, call(7, 'alpha__echo', { message: 'l' }, meta), {
      headers: modernHeaders('tools/call', 'alpha__echo'),
    });
    expect(loud.text).to.contain('notifications/message').and.contain('calling echo on alpha');
    const errorsOnly = envelope('2026-07-28', { 'io.modelcontextprotocol/logLevel': 'error' });
    const filtered = await postMcp(gw, call(8, 'alpha__echo', { message: 'e' }, errorsOnly), {
      headers: modernHeaders('tools/call', 'alpha__echo'),
    });
    expect(filtered.text).to.not.contain('notifications/message');
  });
});
