import { expect } from 'chai';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpEra } from '../support/mcpClient.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';
import { BOB_DENIED_POLICY as POLICY, catalogServer } from '../support/catalogFixture.js';

interface Connected {
  readonly client: Client;
  close(): Promise<void>;
}

async function connect(gw: TestGateway, path: string, era: McpEra, username?: string): Promise<Connected> {
  const url = new URL(`${gw.url}${path}${username ? `?username=${username}` : ''}`);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${gw.adminToken}` } },
  });
  const client = new Client(
    { name: 'per-server-test', version: '1' },
    {
      capabilities: {},
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  await client.connect(transport);
  return {
    client,
    async close() {
      if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

describe('per-server endpoint /mcp/servers/:name/mcp and the REST resource and prompt routes', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const open: Connected[] = [];
  const use = async (era: McpEra, path: string, username?: string) => {
    const c = await connect(gw, path, era, username);
    open.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', catalogServer('cat'));
    await gw.request('POST', '/mcp/servers', {
      ...catalogServer('pu'),
      secretDelivery: 'env',
      secretNames: ['FIXTURE_TAG'],
    });
    await waitForStatus(gw, 'cat', ['connected']);
    await waitForStatus(gw, 'pu', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await gw.request('PUT', '/policy', { rules: [] });
  });
  after(async () => gw?.close());

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era}: one server under its original tool and prompt names and resource URIs`, async () => {
      const c = await use(era, '/mcp/servers/cat/mcp');
      const tools = (await c.client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).to.deep.equal(['add_item', 'links', 'touch']);
      const uris = [];
      let cursor: string | undefined;
      do {
        const page = await c.client.listResources(cursor ? { cursor } : {});
        uris.push(...page.resources.map((r) => r.uri));
        cursor = page.nextCursor;
      } while (cursor);
      expect(uris).to.include.members(['mem://item/1', 'mem://item/5', 'ui://widget/main', 'mem://blob']);
      expect((await c.client.listPrompts()).prompts.map((p) => p.name)).to.include('greet');
      const links = await c.client.callTool({ name: 'links', arguments: {} });
      expect((links.content as Array<{ uri?: string }>)[0]?.uri).to.equal('mem://item/2');
      const read = await c.client.readResource({ uri: 'mem://item/2' });
      expect(read.contents[0]).to.deep.include({ uri: 'mem://item/2', text: 'item 2' });
      const greet = await c.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      expect(greet.messages[0]?.content).to.deep.equal({ type: 'text', text: 'Hello Ada' });
    });

    it(`${era}: the access policy denies the same resource and prompt as on /mcp`, async () => {
      await gw.request('PUT', '/policy', POLICY);
      const bob = await use(era, '/mcp/servers/cat/mcp', 'bob');
      expect((await bob.client.listResources()).resources.map((r) => r.uri)).to.not.include('mem://blob');
      expect(await bob.client.readResource({ uri: 'mem://blob' }).catch((e: unknown) => e)).to.include({
        code: -32602,
      });
      expect(await bob.client.getPrompt({ name: 'greet' }).catch((e: unknown) => e)).to.include({
        code: -32602,
      });
      const alice = await use(era, '/mcp/servers/cat/mcp', 'alice');
      expect((await alice.client.readResource({ uri: 'mem://blob' })).contents[0]).to.deep.include({
        blob: 'AAEC',
      });
    });
  }

  it('answers 404 for a server that does not exist, and a /mcp session id is unknown there', async () => {
    const res = await gw.request('POST', '/mcp/servers/ghost/mcp', { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('server_not_found');
    const onMcp = await use('legacy', '/mcp');
    const sessionId = (onMcp.client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
    expect(sessionId).to.be.a('string');
    const reused = await gw.request(
      'POST',
      '/mcp/servers/cat/mcp',
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { headers: { 'mcp-session-id': String(sessionId), accept: 'application/json, text/event-stream' } },
    );
    expect(reused.status).to.equal(404);
  });

  describe('REST', () => {
    it('GET /mcp/resources and /mcp/prompts list per server with original URIs and names', async () => {
      const res = await gw.request('GET', '/mcp/resources?server=cat');
      expect(res.status).to.equal(200);
      const cat = (res.body.resources as Array<Record<string, Array<{ uri: string }>>>)[0]?.cat ?? [];
      expect(cat.map((r) => r.uri)).to.include.members(['mem://item/1', 'ui://widget/main']);
      const templates = res.body.resourceTemplates as Array<Record<string, Array<{ uriTemplate: string }>>>;
      expect(templates[0]?.cat?.[0]?.uriTemplate).to.equal('mem://item/{id}');
      const prompts = await gw.request('GET', '/mcp/prompts');
      const names = (prompts.body.prompts as Array<Record<string, Array<{ name: string }>>>).flatMap((p) =>
        Object.values(p).flatMap((list) => list.map((x) => x.name)),
      );
      expect(names).to.include('greet');
    });

    it('reads a resource link a tool returned, and gets a prompt', async () => {
      const called = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'cat',
        methodName: 'links',
        args: {},
      });
      const link = (called.body.data as { content: Array<{ uri: string }> }).content[0]?.uri;
      const read = await gw.request('POST', '/mcp/resource/read', { serverName: 'cat', uri: link });
      expect(read.status).to.equal(200);
      expect((read.body.data as { contents: Array<{ text: string }> }).contents[0]?.text).to.equal('item 2');
      const got = await gw.request('POST', '/mcp/prompt/get', {
        serverName: 'cat',
        name: 'greet',
        arguments: { name: 'Bo' },
      });
      expect(got.status).to.equal(200);
      expect(JSON.stringify(got.body.data)).to.contain('Hello Bo');
    });

    it(
      'validates input (400), says 404 for unknown resources and prompts, ' +
        'and 403 where the policy denies',
      async () => {
        expect((await gw.request('POST', '/mcp/resource/read', { serverName: 'cat' })).status).to.equal(400);
        expect(
          (await gw.request('POST', '/mcp/prompt/get', { serverName: 'bad name!', name: 'x' })).status,
        ).to.equal(400);
        const missing = await gw.request('POST', '/mcp/resource/read', {
          serverName: 'cat',
          uri: 'mem://nope',
        });
        expect([missing.status, missing.body.code]).to.deep.equal([404, 'resource_not_found']);
        const noPrompt = await gw.request('POST', '/mcp/prompt/get', { serverName: 'cat', name: 'nope' });
        expect([noPrompt.status, noPrompt.body.code]).to.deep.equal([404, 'prompt_not_found']);
        await gw.request('PUT', '/policy', POLICY);
        const denied = await gw.request('POST', '/mcp/resource/read', {
          serverName: 'cat',
          uri: 'mem://blob',
          username: 'bob',
        });
        expect([denied.status, denied.body.code]).to.deep.equal([403, 'access_denied']);
        const deniedPrompt = await gw.request('POST', '/mcp/prompt/get', {
          serverName: 'cat',
          name: 'greet',
          username: 'bob',
        });
        expect(deniedPrompt.status).to.equal(403);
        const listed = await gw.request('GET', '/mcp/resources?server=cat&username=bob');
        const uris = (
          (listed.body.resources as Array<Record<string, Array<{ uri: string }>>>)[0]?.cat ?? []
        ).map((r) => r.uri);
        expect(uris).to.not.include('mem://blob');
      },
    );

    it(
      'two users at once on a per-user server: ' +
        "each read runs in that user's own process with their secrets",
      async () => {
        for (const [username, tag] of [
          ['alice', '-alice'],
          ['bob', '-bob'],
        ] as const) {
          const set = await gw.request('POST', '/secrets/set', {
            username,
            serverName: 'pu',
            secretName: 'FIXTURE_TAG',
            secretValue: tag,
          });
          expect(set.status).to.equal(200);
        }
        const read = (username: string) =>
          gw.request('POST', '/mcp/resource/read', { serverName: 'pu', uri: 'mem://item/1', username });
        const [a, b] = await Promise.all([read('alice'), read('bob')]);
        expect((a.body.data as { contents: Array<{ text: string }> }).contents[0]?.text).to.equal(
          'item 1-alice',
        );
        expect((b.body.data as { contents: Array<{ text: string }> }).contents[0]?.text).to.equal(
          'item 1-bob',
        );
        const c = await use('modern', '/mcp', 'bob');
        const viaMcp = await c.client.readResource({ uri: 'mcp-api://pu/mem://item/1' });
        expect(viaMcp.contents[0]).to.deep.include({ text: 'item 1-bob' });
      },
    );
  });
});
