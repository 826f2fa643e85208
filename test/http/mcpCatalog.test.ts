import { expect } from 'chai';
import { connectMcpV2, type McpEra, type McpV2TestClient } from '../support/mcpClient.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

import { BOB_DENIED_POLICY, catalogServer } from '../support/catalogFixture.js';

type Item = Record<string, unknown>;

/** Every page of a list, as a client walks it. */
async function all(fetchPage: (cursor?: string) => Promise<{ items: Item[]; nextCursor?: string }>) {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const text = (r: { contents: Array<Record<string, unknown>> }): unknown => r.contents[0]?.text;

/** Resolves with the next notification of `method` the client receives. */
function next(c: McpV2TestClient, method: string, seen: string[] = []): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    c.client.setNotificationHandler(method as 'notifications/resources/list_changed', (n) => {
      seen.push(method);
      resolve((n as { params?: Record<string, unknown> }).params ?? {});
    });
  });
}

describe('/mcp resources, prompts and completions (both eras)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const clients: McpV2TestClient[] = [];
  const open = async (era: McpEra, query?: string): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, era, query ? { query } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', catalogServer('cat'));
    await gw.request('POST', '/mcp/servers', catalogServer('modcat', { FIXTURE_MODERN_ONLY: '1' }));
    await waitForStatus(gw, 'cat', ['connected']);
    await waitForStatus(gw, 'modcat', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await gw.request('PUT', '/policy', { rules: [] });
  });
  after(async () => gw?.close());

  for (const era of ['legacy', 'modern'] as const) {
    describe(`${era} client`, () => {
      it(
        'lists every page of every server, ' +
          'URIs wrapped reversibly and ui:// kept, prompts as <server>__<name>',
        async () => {
          const c = await open(era);
          const resources = await all(async (cursor) => {
            const r = await c.client.listResources(cursor ? { cursor } : {});
            return { items: r.resources, ...(r.nextCursor ? { nextCursor: r.nextCursor } : {}) };
          });
          const uris = resources.map((r) => r.uri);
          expect(uris).to.include.members([
            'mcp-api://cat/mem://item/1',
            'mcp-api://cat/mem://item/5',
            'mcp-api://modcat/mem://blob',
            'ui://cat__widget/main',
            'ui://modcat__widget/main',
          ]);
          const templates = await c.client.listResourceTemplates();
          expect(templates.resourceTemplates.map((t) => t.uriTemplate)).to.deep.equal([
            'mcp-api://cat/mem://item/{id}',
            'mcp-api://modcat/mem://item/{id}',
          ]);
          const prompts = await c.client.listPrompts();
          expect(prompts.prompts.map((p) => p.name)).to.include.members([
            'cat__greet',
            'cat__with_resource',
            'modcat__greet',
          ]);
        },
      );

      it(
        'reads text, blob and ui:// resources through their server, ' +
          'and answers -32602 with the URI for unknown ones',
        async () => {
          const c = await open(era);
          const item = await c.client.readResource({ uri: 'mcp-api://modcat/mem://item/4' });
          expect(item.contents[0]).to.deep.include({ uri: 'mcp-api://modcat/mem://item/4', text: 'item 4' });
          const blob = await c.client.readResource({ uri: 'mcp-api://cat/mem://blob' });
          expect(blob.contents[0]).to.deep.include({ blob: 'AAEC' });
          const ui = await c.client.readResource({ uri: 'ui://cat__widget/main' });
          expect(ui.contents[0]).to.deep.include({ uri: 'ui://cat__widget/main', text: '<p>widget</p>' });
          const missing = await c.client
            .readResource({ uri: 'mcp-api://cat/mem://nope' })
            .catch((e: unknown) => e);
          expect(missing).to.include({ code: -32602 });
          expect((missing as { data?: unknown }).data).to.deep.equal({ uri: 'mcp-api://cat/mem://nope' });
          const noServer = await c.client
            .readResource({ uri: 'mcp-api://ghost/x://y' })
            .catch((e: unknown) => e);
          expect(noServer).to.include({ code: -32602 });
        },
      );

      it('gets prompts (embedded resources renamed) and completes prompt and template arguments', async () => {
        const c = await open(era);
        const greet = await c.client.getPrompt({ name: 'cat__greet', arguments: { name: 'Ada' } });
        expect(greet.messages[0]?.content).to.deep.equal({ type: 'text', text: 'Hello Ada' });
        const embedded = await c.client.getPrompt({ name: 'modcat__with_resource' });
        expect(embedded.messages[0]?.content).to.deep.include({ type: 'resource' });
        expect((embedded.messages[0]?.content as { resource: { uri: string } }).resource.uri).to.equal(
          'mcp-api://modcat/mem://item/1',
        );
        const names = await c.client.complete({
          ref: { type: 'ref/prompt', name: 'cat__greet' },
          argument: { name: 'name', value: 'al' },
        });
        expect(names.completion.values).to.deep.equal(['alice', 'alfred']);
        const ids = await c.client.complete({
          ref: { type: 'ref/resource', uri: 'mcp-api://modcat/mem://item/{id}' },
          argument: { name: 'id', value: '2' },
        });
        expect(ids.completion.values).to.deep.equal(['2']);
      });

      it('renames resource links and embedded resources in tool results so the client can read them back', async () => {
        const c = await open(era);
        const result = await c.client.callTool({ name: 'modcat__links', arguments: {} });
        const content = result.content as Array<Record<string, unknown>>;
        expect(content[0]).to.deep.include({ type: 'resource_link', uri: 'mcp-api://modcat/mem://item/2' });
        expect((content[1]?.resource as { uri: string }).uri).to.equal('mcp-api://modcat/mem://item/3');
        expect(content[2]).to.deep.include({ uri: 'ui://modcat__widget/main' });
        const read = await c.client.readResource({ uri: String(content[0]?.uri) });
        expect(text(read)).to.equal('item 2');
      });

      it(
        'applies the access policy to lists, reads, gets and completions, ' +
          'and a denied item looks unknown',
        async () => {
          await gw.request('PUT', '/policy', BOB_DENIED_POLICY);
          const bob = await open(era, 'username=bob');
          const alice = await open(era, 'username=alice');
          const listed = async (c: McpV2TestClient) =>
            (await c.client.listResources()).resources.map((r) => r.uri);
          expect(await listed(bob)).to.not.include('mcp-api://cat/mem://blob');
          expect(await listed(bob)).to.include('mcp-api://modcat/mem://blob');
          expect(await listed(alice)).to.include('mcp-api://cat/mem://blob');
          const read = await bob.client
            .readResource({ uri: 'mcp-api://cat/mem://blob' })
            .catch((e: unknown) => e);
          expect(read).to.include({ code: -32602 });
          expect((await bob.client.listPrompts()).prompts.map((p) => p.name)).to.not.include('cat__greet');
          const get = await bob.client
            .getPrompt({ name: 'cat__greet', arguments: { name: 'x' } })
            .catch((e: unknown) => e);
          expect(get).to.include({ code: -32602 });
          const complete = await bob.client
            .complete({
              ref: { type: 'ref/prompt', name: 'cat__greet' },
              argument: { name: 'name', value: 'a' },
            })
            .catch((e: unknown) => e);
          expect(complete).to.include({ code: -32602 });
          expect(
            (await alice.client.readResource({ uri: 'mcp-api://cat/mem://blob' })).contents[0],
          ).to.deep.include({ blob: 'AAEC' });
        },
      );
    });
  }

  it(
    'legacy: list_changed reaches a subscribed session on its GET stream, ' +
      'and resources/updated the session that subscribed',
    async () => {
      const c = await open('legacy');
      const blind = await open('legacy', 'servers=modcat');
      const blindSeen: string[] = [];
      void next(blind, 'notifications/resources/list_changed', blindSeen);
      const changed = next(c, 'notifications/resources/list_changed');
      const prompts = next(c, 'notifications/prompts/list_changed');
      await c.client.callTool({ name: 'cat__add_item', arguments: {} });
      await Promise.all([changed, prompts]);
      expect((await c.client.listResources()).resources.map((r) => r.uri)).to.include(
        'mcp-api://cat/mem://item/6',
      );

      await c.client.subscribeResource({ uri: 'mcp-api://cat/mem://item/2' });
      const updated = next(c, 'notifications/resources/updated');
      await c.client.callTool({ name: 'cat__touch', arguments: { uri: 'mem://item/2' } });
      expect(await updated).to.deep.equal({ uri: 'mcp-api://cat/mem://item/2' });

      // The blind session sees only modcat: its first list_changed is modcat's, none came before it.
      const own = next(blind, 'notifications/resources/list_changed', blindSeen);
      await c.client.callTool({ name: 'modcat__add_item', arguments: {} });
      await own;
      expect(blindSeen).to.deep.equal(['notifications/resources/list_changed']);
    },
  );

  it(
    'modern: subscriptions/listen hears list changes and subscribed updates, ' +
      'only for servers the caller sees',
    async () => {
      const c = await open('modern');
      const blind = await open('modern', 'servers=modcat');
      await c.client.listen({
        resourcesListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: ['mcp-api://modcat/mem://item/1'],
      });
      const blindSeen: string[] = [];
      void next(blind, 'notifications/resources/list_changed', blindSeen);
      await blind.client.listen({ resourcesListChanged: true });
      const changed = next(c, 'notifications/resources/list_changed');
      const prompts = next(c, 'notifications/prompts/list_changed');
      await c.client.callTool({ name: 'cat__add_item', arguments: {} });
      await Promise.all([changed, prompts]);

      const updated = next(c, 'notifications/resources/updated');
      await c.client.callTool({ name: 'modcat__touch', arguments: { uri: 'mem://item/1' } });
      expect(await updated).to.deep.include({ uri: 'mcp-api://modcat/mem://item/1' });

      const own = next(blind, 'notifications/resources/list_changed', blindSeen);
      await c.client.callTool({ name: 'modcat__add_item', arguments: {} });
      await own;
      expect(blindSeen).to.deep.equal(['notifications/resources/list_changed']);
    },
  );
});
