import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { catalogServer } from '../support/catalogFixture.js';
import {
  connectMcpV2,
  envelope,
  modernHeaders,
  type McpEra,
  type McpV2TestClient,
} from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/** How many notifications of each method one client received. */
function counting(c: McpV2TestClient): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const method of ['notifications/tools/list_changed', 'notifications/resources/list_changed'] as const)
    c.client.setNotificationHandler(method, () => {
      seen[method] = (seen[method] ?? 0) + 1;
    });
  return seen;
}

const TOOLS = 'notifications/tools/list_changed';
const RESOURCES = 'notifications/resources/list_changed';

describe('/mcp change notifications per caller', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const clients: McpV2TestClient[] = [];
  const open = async (era: McpEra, username: string): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, era, { query: `username=${username}` });
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway();
    // A tool that appears upstream is listed at once (not held for an admin's approval).
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha', { toolApproval: 'auto' }));
    await gw.request('POST', '/mcp/servers', catalogServer('cat'));
    await waitForStatus(gw, 'alpha', ['connected']);
    await waitForStatus(gw, 'cat', ['connected']);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await gw.request('PUT', '/policy', { rules: [] });
  });
  after(async () => gw?.close());

  it('tells tools/list_changed only to callers who may see the changed server (listen and GET streams)', async () => {
    const policy = await gw.request('PUT', '/policy', {
      rules: [
        { id: 'alice', effect: 'allow', subjects: ['user:alice'], server: '*', kind: '*', name: '*' },
        { id: 'bob', effect: 'allow', subjects: ['user:bob'], server: 'cat', kind: '*', name: '*' },
      ],
    });
    expect(policy.status).to.equal(200);
    const modern = { alice: await open('modern', 'alice'), bob: await open('modern', 'bob') };
    const legacy = { alice: await open('legacy', 'alice'), bob: await open('legacy', 'bob') };
    const all = [modern.alice, modern.bob, legacy.alice, legacy.bob];
    const seen = all.map(counting);
    const [aliceModern, bobModern, aliceLegacy, bobLegacy] = seen as [
      Record<string, number>,
      Record<string, number>,
      Record<string, number>,
      Record<string, number>,
    ];
    for (const c of [modern.alice, modern.bob])
      await c.client.listen({ toolsListChanged: true, resourcesListChanged: true });

    // Every stream is open once each has heard of a change on cat, which both users see.
    for (let i = 0; i < 20 && seen.some((s) => !s[RESOURCES]); i++) {
      await legacy.alice.client.callTool({ name: 'cat__add_item', arguments: {} });
      await waitFor(() => seen.every((s) => (s[RESOURCES] ?? 0) > 0), 'warm-up', 1_000).catch(
        () => undefined,
      );
    }
    const before = seen.map((s) => ({ ...s }));
    expect(before.map((s) => s[TOOLS] ?? 0)).to.deep.equal([0, 0, 0, 0]);

    await legacy.alice.client.callTool({ name: 'alpha__add_tool', arguments: { name: 'only_for_alice' } });
    await waitFor(() => (aliceModern[TOOLS] ?? 0) > 0 && (aliceLegacy[TOOLS] ?? 0) > 0, 'alice told');
    expect((await legacy.alice.client.listTools()).tools.map((t) => t.name)).to.include(
      'alpha__only_for_alice',
    );

    // A later change bob may see: his streams are ordered, so anything sent to him about alpha came first.
    const resources = (s: Record<string, number>, i: number) =>
      (s[RESOURCES] ?? 0) > (before[i]?.[RESOURCES] ?? 0);
    await legacy.alice.client.callTool({ name: 'cat__add_item', arguments: {} });
    await waitFor(() => resources(bobModern, 1) && resources(bobLegacy, 3), 'bob told of cat');
    expect(bobModern[TOOLS] ?? 0).to.equal(0);
    expect(bobLegacy[TOOLS] ?? 0).to.equal(0);
    expect((await legacy.bob.client.listTools()).tools.map((t) => t.name)).to.not.include(
      'alpha__only_for_alice',
    );
  });

  it('does not tell a listener about an access change made before it opened', async () => {
    const changed = await gw.request('PUT', '/policy', {
      rules: [{ id: 'gus', effect: 'allow', subjects: ['user:gus'], server: '*', kind: '*', name: '*' }],
    });
    expect(changed.status).to.equal(200);
    // Opened inside the change's debounce window (50 ms): the listener already sees the new lists.
    const late = await open('modern', 'gus');
    const seen = counting(late);
    await late.client.listen({ toolsListChanged: true, resourcesListChanged: true });
    // Something it does hear proves the stream live; by then the debounced change has long been handled.
    await new Promise((r) => setTimeout(r, 200));
    await late.client.callTool({ name: 'cat__add_item', arguments: {} });
    await waitFor(() => (seen[RESOURCES] ?? 0) > 0, 'gus told of cat');
    expect(seen[TOOLS] ?? 0).to.equal(0);
  });

  it('forgets a caller once their last listen stream closes, and bounds the streams one user may hold', async () => {
    const listeners = await Promise.all(['ann', 'ben', 'cy', 'dee', 'eve'].map((u) => open('modern', u)));
    const subscriptions = await Promise.all(
      listeners.map((c) => c.client.listen({ toolsListChanged: true })),
    );
    const again = await listeners[0]!.client.listen({ toolsListChanged: true });
    expect(gw.gateway.mcp.listenerCount).to.equal(5);
    await again.close();
    await Promise.all(subscriptions.slice(1).map((s) => s.close()));
    await waitFor(() => gw.gateway.mcp.listenerCount === 1, 'closed listeners forgotten');
    await subscriptions[0]!.close();
    await waitFor(() => gw.gateway.mcp.listenerCount === 0, 'the last listener forgotten');

    const aborts: AbortController[] = [];
    const listen = async (): Promise<Response> => {
      const abort = new AbortController();
      aborts.push(abort);
      const body = {
        jsonrpc: '2.0',
        id: aborts.length,
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true }, _meta: envelope() },
      };
      return fetch(`${gw.url}/mcp?username=flo`, {
        method: 'POST',
        signal: abort.signal,
        headers: {
          authorization: `Bearer ${gw.adminToken}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...modernHeaders('subscriptions/listen'),
        },
        body: JSON.stringify(body),
      });
    };
    try {
      const open32 = await Promise.all(Array.from({ length: 32 }, () => listen()));
      expect(open32.map((r) => r.status)).to.deep.equal(Array.from({ length: 32 }, () => 200));
      const refused = await listen();
      expect(refused.status).to.equal(429);
      expect(((await refused.json()) as { error: { code: number } }).error.code).to.equal(-32000);
    } finally {
      for (const a of aborts) a.abort();
    }
    await waitFor(() => gw.gateway.mcp.listenerCount === 0, 'aborted listeners forgotten');
    expect((await listen()).status).to.equal(200);
    aborts.at(-1)?.abort();
    await waitFor(() => gw.gateway.mcp.listenerCount === 0, 'forgotten again');
  });
});
