import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { buildModernTaskServer, modernTaskStore, TaskControl } from '../../fixtures/taskFixtures.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import {
  connectMcpV2,
  envelope,
  modernHeaders,
  postMcp,
  type McpEra,
  type McpV2TestClient,
} from '../../support/mcpClient.js';
import { remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';
import { RELAYED_CAPABILITIES } from './relayUpstreams.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('a 2026-07-28 upstream that answers tools/call with a task (SEP-2663)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let upstream: RemoteMcpServer;
  const control = new TaskControl();
  const store = modernTaskStore();
  const clients: McpV2TestClient[] = [];
  const tokens: Record<string, string> = {};

  const connect = async (era: McpEra, who: string): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, era, {
      token: tokens[who]!,
      capabilities: { elicitation: { form: {} } },
    });
    c.client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { name: who },
    }));
    clients.push(c);
    return c;
  };
  /** No upstream task id ever reaches a client. */
  const noUpstreamIds = (value: unknown): void => {
    const seen = JSON.stringify(value);
    for (const id of store.ids) expect(seen).to.not.include(id);
  };

  before(async () => {
    gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
    upstream = await startRemoteMcpServer({
      mode: 'modern',
      buildModern: () => buildModernTaskServer(control, store),
    });
    await gw.request('POST', '/mcp/servers', remoteServer('mtask', upstream.url));
    await waitForStatus(gw, 'mtask', ['connected']);
    for (const who of ['rita', 'leo', 'moe']) tokens[who] = (await gw.issueToken(who)).token;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('gives a REST caller the plain result once the upstream task completes', async () => {
    const call = gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: 'mtask', methodName: 'job', args: { tag: 'r1' } },
      { token: tokens.rita! },
    );
    await control.whenCreated('r1');
    control.open('r1');
    const res = await call;
    expect(res.status, res.text).to.equal(200);
    expect(res.text).to.include('job r1 done');
    noUpstreamIds(res.body);
  });

  it('tells a REST caller that a task waiting for input needs an MCP client', async () => {
    const res = await gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: 'mtask', methodName: 'ask_job', args: { tag: 'r2' } },
      { token: tokens.rita! },
    );
    expect(res.text).to.match(/needs input from the client/);
    await control.whenCancelled('r2');
  });

  it("answers a task's input_required through a legacy client's elicitation, plain result back", async () => {
    const { client } = await connect('legacy', 'leo');
    const result = await client.callTool({ name: 'mtask__ask_job', arguments: { tag: 'l1' } });
    expect(text(result)).to.equal('asked {"who":{"action":"accept","content":{"name":"leo"}}}');
    noUpstreamIds(result);
  });

  it("answers a task's input_required through a modern client's input_required round", async () => {
    const { client } = await connect('modern', 'moe');
    const result = await client.callTool({ name: 'mtask__ask_job', arguments: { tag: 'n1' } });
    expect(text(result)).to.equal('asked {"who":{"action":"accept","content":{"name":"moe"}}}');
    noUpstreamIds(result);
  });

  it('gives a modern client that declared the tasks extension the plain result too', async () => {
    control.open('n2');
    const capabilities = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const meta = envelope('2026-07-28', { 'io.modelcontextprotocol/clientCapabilities': capabilities });
    const body = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'mtask__job', arguments: { tag: 'n2' }, _meta: meta },
    };
    const res = await postMcp(gw, body, {
      token: tokens.moe!,
      headers: modernHeaders('tools/call', 'mtask__job'),
    });
    expect(res.text).to.include('job n2 done').and.include('"resultType":"complete"');
    noUpstreamIds(res.text);
  });

  it("relays a failed upstream task as the upstream's JSON-RPC error", async () => {
    const { client } = await connect('legacy', 'leo');
    try {
      await client.callTool({ name: 'mtask__bad_job', arguments: { tag: 'f1' } });
      expect.fail('expected the upstream error');
    } catch (error) {
      expect((error as { code?: unknown }).code).to.equal(-32050);
      expect((error as Error).message).to.match(/job exploded/);
    }
  });

  it('cancels the upstream task when the client cancels the call', async () => {
    const { client } = await connect('legacy', 'leo');
    const abort = new AbortController();
    const call = client.callTool({ name: 'mtask__job', arguments: { tag: 'c1' } }, { signal: abort.signal });
    // Once the gateway follows the task (a cancel before the CreateTaskResult arrives cannot name it).
    await control.whenPolled('c1');
    abort.abort();
    await call.catch(() => undefined);
    await control.whenCancelled('c1');
  });
});
