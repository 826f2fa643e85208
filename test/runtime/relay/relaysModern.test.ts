import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { buildModernRelayServer } from '../../fixtures/modernRelayFixture.js';
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
import {
  registerModernUpstreams,
  registerRelayUpstreams,
  RELAYED_CAPABILITIES,
  type RelayUpstreams,
  type UpstreamKind,
} from './relayUpstreams.js';

const KINDS: UpstreamKind[] = ['stdio', 'streamable', 'sse'];
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const CLIENT_CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: {} };
const ELICIT_CAPABLE = envelope('2026-07-28', {
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
});

/** The last JSON-RPC message of a POST answer (plain JSON or an SSE stream). */
function lastMessage(body: string): Record<string, unknown> {
  const data = body
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim());
  return JSON.parse(data.length > 0 ? data[data.length - 1]! : body) as Record<string, unknown>;
}

describe('relays for 2026-07-28 clients and upstreams (input_required)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let upstreams: RelayUpstreams;
  let modern: RemoteMcpServer;
  let modernStdio: Awaited<ReturnType<typeof registerModernUpstreams>>;
  const record = { minted: [] as string[], received: [] as string[] };
  const clients: McpV2TestClient[] = [];
  const connect = async (era: McpEra, who: string): Promise<Client> => {
    const { token } = await gw.issueToken(who);
    const c = await connectMcpV2(gw, era, { token, capabilities: CLIENT_CAPABILITIES });
    clients.push(c);
    c.client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { name: who },
    }));
    c.client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: `sampled by ${who}` },
    }));
    c.client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file:///home/${who}` }] }));
    return c.client;
  };

  before(async () => {
    gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
    upstreams = await registerRelayUpstreams(gw);
    modern = await startRemoteMcpServer({
      mode: 'modern',
      buildModern: () => buildModernRelayServer(record),
    });
    await gw.request('POST', '/mcp/servers', remoteServer('modern_up', modern.url));
    await waitForStatus(gw, 'modern_up', ['connected']);
    modernStdio = await registerModernUpstreams(gw, { minted: [], received: [] }, 'mstd');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstreams.close();
    await modern.close();
    await modernStdio.close();
  });

  for (const kind of KINDS) {
    it(`turns a legacy upstream's questions into input_required rounds for a modern client (${kind})`, async () => {
      const client = await connect('modern', 'mia');
      const server = upstreams.names[kind];
      const elicited = await client.callTool({ name: `${server}__elicit`, arguments: { message: 'Name?' } });
      expect(JSON.parse(text(elicited))).to.deep.equal({ action: 'accept', content: { name: 'mia' } });
      const sampled = await client.callTool({ name: `${server}__sample`, arguments: { prompt: 'hi' } });
      expect(JSON.parse(text(sampled))).to.deep.equal({ type: 'text', text: 'sampled by mia' });
      const roots = await client.callTool({ name: `${server}__roots`, arguments: {} });
      expect(JSON.parse(text(roots))).to.deep.equal([{ uri: 'file:///home/mia' }]);
    });
  }

  it("passes a modern upstream's input_required through unchanged to a modern client", async () => {
    const client = await connect('modern', 'max');
    const before = record.minted.length;
    const result = await client.callTool({ name: 'modern_up__confirm', arguments: { what: 'deploy' } });
    expect(text(result)).to.equal('deploy: {"name":"max"}');
    expect(record.minted.slice(before)).to.have.length(1);
    expect(record.received.slice(-1)).to.deep.equal(record.minted.slice(-1));
  });

  it("answers a modern upstream's input_required through a legacy client's server→client requests", async () => {
    const client = await connect('legacy', 'leo');
    const result = await client.callTool({ name: 'modern_up__confirm', arguments: { what: 'ship' } });
    expect(text(result)).to.equal('ship: {"name":"leo"}');
    expect(record.received.slice(-1)).to.deep.equal(record.minted.slice(-1));
  });

  it('does both over a 2026-07-28 stdio upstream too, requestState byte for byte', async () => {
    const server = modernStdio.names.stdio;
    const modernClient = await connect('modern', 'moe');
    const legacyClient = await connect('legacy', 'lee');
    const a = await modernClient.callTool({ name: `${server}__confirm`, arguments: { what: 'a' } });
    expect(text(a)).to.equal('a: {"name":"moe"}');
    const b = await legacyClient.callTool({ name: `${server}__confirm`, arguments: { what: 'b' } });
    expect(text(b)).to.equal('b: {"name":"lee"}');
    const logs = gw.gateway.pool.snapshot(server)?.logs ?? [];
    const states = (kind: string) =>
      logs.filter((l) => l.startsWith(`${kind} `)).map((l) => JSON.parse(l.slice(kind.length + 1)) as string);
    expect(states('minted')).to.have.length(2);
    expect(states('received')).to.deep.equal(states('minted'));
  });

  it("never resumes another user's parked call: its requestState is only its owner's", async () => {
    const tokenA = (await gw.issueToken('ann')).token;
    const tokenB = (await gw.issueToken('bea')).token;
    const tool = `${upstreams.names.stdio}__elicit`;
    const callBody = (id: number, extra: Record<string, unknown> = {}) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: tool, arguments: { message: 'for ann' }, _meta: ELICIT_CAPABLE, ...extra },
    });
    const post = (token: string, body: unknown) =>
      postMcp(gw, body, { token, headers: modernHeaders('tools/call', tool) });
    const first = lastMessage((await post(tokenA, callBody(1))).text).result as Record<string, unknown>;
    expect(first.resultType).to.equal('input_required');
    const state = String(first.requestState);
    const [key] = Object.keys(first.inputRequests as object);
    const answer = (name: string) => ({
      requestState: state,
      inputResponses: { [key!]: { action: 'accept', content: { name } } },
    });
    // Bea replays Ann's state: it is not hers, so it goes upstream as a fresh call of her own, whose
    // question cannot be routed while Ann's call is in flight on the shared stdio server.
    const stolen = lastMessage((await post(tokenB, callBody(2, answer('bea')))).text).result;
    expect((stolen as CallToolResult).isError).to.equal(true);
    expect(text(stolen)).to.contain('cannot be relayed').and.not.contain('"name":"ann"');
    const done = lastMessage((await post(tokenA, callBody(3, answer('ann')))).text).result;
    expect(JSON.parse(text(done))).to.deep.equal({ action: 'accept', content: { name: 'ann' } });
  });
});
