import {
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { connectMcp, type McpTestClient } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('the /mcp endpoint (SDK client over Streamable HTTP)', () => {
  let gw: TestGateway;
  const clients: McpTestClient[] = [];
  const connect = async (query = 'username=alice'): Promise<McpTestClient> => {
    const c = await connectMcp(gw, { query });
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    // alpha auto-approves tool changes (tool pinning), so a tool it adds at runtime is listed at once.
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha', { toolApproval: 'auto' }));
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('beta', { env: { FIXTURE_EXTRA_TOOL: 'only_beta' } }),
    );
    await gw.request('POST', '/mcp/servers', fixtureServer('off', { enabled: false }));
    await waitForStatus(gw, 'alpha', ['connected']);
    await waitForStatus(gw, 'beta', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
  });

  it("lists every enabled server's tools as <server>__<tool>, schemas and annotations as declared", async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).to.include.members([
      'alpha__echo',
      'alpha__add',
      'beta__echo',
      'beta__only_beta',
      'beta__slow',
    ]);
    expect(names.some((n) => n.startsWith('off__'))).to.equal(false);
    const add = tools.find((t) => t.name === 'alpha__add') as Tool;
    expect(add.description).to.equal('Add two numbers');
    expect(add.inputSchema).to.deep.equal({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    expect(add.outputSchema).to.deep.equal({
      type: 'object',
      properties: { sum: { type: 'number' } },
      required: ['sum'],
    });
    expect(client.getServerCapabilities()?.tools?.listChanged).to.equal(true);
  });

  it("calls a tool with the session user's secrets injected and passes structuredContent through", async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'alice-mcp-key-4411',
    });
    await gw.request('POST', '/secrets/set', {
      username: 'bob',
      serverName: 'alpha',
      secretName: 'API_KEY',
      secretValue: 'bob-mcp-key-5522',
    });
    const asAlice = await connect('username=alice');
    const asBob = await connect('username=bob');
    expect(
      text(await asAlice.client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } })),
    ).to.equal('alice-mcp-key-4411');
    expect(
      text(await asBob.client.callTool({ name: 'alpha__echo_secret', arguments: { name: 'API_KEY' } })),
    ).to.equal('bob-mcp-key-5522');
    await asAlice.client.listTools(); // caches add's outputSchema, so the SDK client validates structuredContent
    const sum = await asAlice.client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 40 } });
    expect(sum.structuredContent).to.deep.equal({ sum: 42 });
  });

  it('forwards upstream progress notifications to the client', async () => {
    const { client } = await connect();
    const seen: number[] = [];
    const result = await client.callTool({ name: 'beta__slow', arguments: { ms: 400 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(text(result)).to.equal('slept 400 ms');
    expect(seen.length).to.be.at.least(2);
    expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
  });

  it('cancels the upstream call when the client cancels (notifications/cancelled)', async () => {
    const { client } = await connect();
    const abort = new AbortController();
    const pending = client
      .callTool({ name: 'beta__slow', arguments: { ms: 20_000 } }, undefined, { signal: abort.signal })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    abort.abort('user pressed stop');
    expect(await pending).to.be.instanceOf(Error);
    await waitFor(
      () => (gw.gateway.pool.snapshot('beta')?.logs ?? []).some((l) => l.includes('cancelled slow')),
      'upstream cancellation',
    );
  });

  it('answers an unknown tool with a JSON-RPC error and bad arguments with an isError result', async () => {
    const { client } = await connect();
    const unknown = await client.callTool({ name: 'alpha__nope', arguments: {} }).catch((e: unknown) => e);
    expect(String(unknown))
      .to.match(/-32602/)
      .and.match(/nope/);
    const noServer = await client.callTool({ name: 'ghost__echo', arguments: {} }).catch((e: unknown) => e);
    expect(String(noServer)).to.match(/Unknown tool: ghost__echo/);
    const bad = await client.callTool({ name: 'alpha__add', arguments: { a: 'x' } });
    expect(bad.isError).to.equal(true);
    expect(text(bad)).to.contain('/a must be number').and.contain('invalid_arguments');
  });

  it('exposes only the servers and tools named in ?servers= and ?tools=', async () => {
    const onlyBeta = await connect('username=alice&servers=beta');
    const names = (await onlyBeta.client.listTools()).tools.map((t) => t.name);
    expect(names.length).to.be.greaterThan(0);
    expect(names.every((n) => n.startsWith('beta__'))).to.equal(true);
    const hidden = await onlyBeta.client
      .callTool({ name: 'alpha__echo', arguments: { message: 'x' } })
      .catch((e: unknown) => e);
    expect(String(hidden)).to.contain('Unknown tool');

    const twoTools = await connect('username=alice&tools=alpha__echo,beta__add');
    expect((await twoTools.client.listTools()).tools.map((t) => t.name).sort()).to.deep.equal([
      'alpha__echo',
      'beta__add',
    ]);
  });

  it('sends tools/list_changed when an upstream changes its tools and when a server is registered', async () => {
    const { client } = await connect();
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes += 1;
    });
    // Open the standalone SSE stream the notifications travel on.
    await client.listTools();
    await new Promise((r) => setTimeout(r, 100));
    await client.callTool({ name: 'alpha__add_tool', arguments: { name: 'fresh_tool' } });
    await waitFor(() => changes >= 1, 'list_changed after an upstream tool change');
    await waitFor(
      () => gw.gateway.pool.snapshot('alpha')?.toolsList.some((t) => t.name === 'fresh_tool') === true,
      'refresh',
    );
    expect((await client.listTools()).tools.map((t) => t.name)).to.include('alpha__fresh_tool');

    const before = changes;
    await gw.request('POST', '/mcp/servers', fixtureServer('gamma'));
    await waitFor(() => changes > before, 'list_changed after registering a third server');
    await waitFor(() => gw.gateway.pool.snapshot('gamma')?.status === 'connected', 'gamma connected');
    await waitFor(() => changes > before, 'settled');
    expect((await client.listTools()).tools.map((t) => t.name)).to.include('gamma__echo');

    const beforeRemove = changes;
    await gw.request('DELETE', '/mcp/servers/gamma');
    await waitFor(() => changes > beforeRemove, 'list_changed after removing a server');
    expect((await client.listTools()).tools.map((t) => t.name).some((n) => n.startsWith('gamma__'))).to.equal(
      false,
    );
  });
});
