import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { suiteCanaries } from '../../support/suiteCanaries.js';
import { connectMcpV2, postMcp, type McpEra, type McpV2TestClient } from '../../support/mcpClient.js';
import { startTestGateway, type TestGateway } from '../../support/testGateway.js';
import {
  registerRelayUpstreams,
  RELAYED_CAPABILITIES,
  type RelayUpstreams,
  type UpstreamKind,
} from './relayUpstreams.js';

const KINDS: UpstreamKind[] = ['stdio', 'streamable', 'sse'];
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const CLIENT_CAPABILITIES = { elicitation: { form: {} }, sampling: {}, roots: {} };

/** A client that answers every server→client request with who it is, and records what it was asked. */
function answerAs(client: Client, who: string, asked: string[]): void {
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { name: who } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const first = request.params.messages[0]?.content as { text?: string } | undefined;
    asked.push(String(first?.text));
    return { role: 'assistant', model: 'test', content: { type: 'text', text: `sampled by ${who}` } };
  });
  client.setRequestHandler('roots/list', async () => {
    asked.push('roots');
    return { roots: [{ uri: `file:///home/${who}`, name: who }] };
  });
}

describe('server→client relays through /mcp', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let upstreams: RelayUpstreams;
  const clients: McpV2TestClient[] = [];
  const connect = async (
    era: McpEra,
    who: string,
    asked: string[] = [],
    capabilities: Record<string, unknown> = CLIENT_CAPABILITIES,
  ): Promise<Client> => {
    const { token } = await gw.issueToken(who);
    const c = await connectMcpV2(gw, era, { token, capabilities });
    clients.push(c);
    if (capabilities.elicitation) answerAs(c.client, who, asked);
    return c.client;
  };

  before(async () => {
    gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
    upstreams = await registerRelayUpstreams(gw);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstreams.close();
  });

  for (const kind of KINDS) {
    it(`relays elicitation, sampling and roots to the calling legacy client (${kind} upstream)`, async () => {
      const asked: string[] = [];
      const client = await connect('legacy', 'ada', asked);
      const server = upstreams.names[kind];
      const elicited = await client.callTool({
        name: `${server}__elicit`,
        arguments: { message: 'Your name?' },
      });
      expect(JSON.parse(text(elicited))).to.deep.equal({ action: 'accept', content: { name: 'ada' } });
      const sampled = await client.callTool({ name: `${server}__sample`, arguments: { prompt: 'Say hi' } });
      expect(JSON.parse(text(sampled))).to.deep.equal({ type: 'text', text: 'sampled by ada' });
      const roots = await client.callTool({ name: `${server}__roots`, arguments: {} });
      expect(JSON.parse(text(roots))).to.deep.equal([{ uri: 'file:///home/ada', name: 'ada' }]);
      expect(asked).to.deep.equal(['Your name?', 'Say hi', 'roots']);
    });

    it(`refuses cleanly upstream when the client lacks the capability (${kind} upstream)`, async () => {
      const client = await connect('legacy', 'bob', [], {});
      const result = await client.callTool({
        name: `${upstreams.names[kind]}__elicit`,
        arguments: { message: 'Your name?' },
      });
      expect(result.isError).to.equal(true);
      expect(text(result)).to.contain('does not support elicitation/create');
    });

    it(`reports an upstream that withdraws its question to the client (${kind} upstream)`, async () => {
      const client = await connect('legacy', 'cy');
      let withdrawn = false;
      client.setRequestHandler(
        'elicitation/create',
        (_request, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.mcpReq.signal.addEventListener('abort', () => {
              withdrawn = true;
              reject(new Error('withdrawn'));
            });
          }),
      );
      const result = await client.callTool({
        name: `${upstreams.names[kind]}__elicit_withdrawn`,
        arguments: { ms: 300 },
      });
      expect(text(result)).to.equal('withdrawn');
      expect(withdrawn).to.equal(true);
    });
  }

  it("keeps what is relayed (the upstream's question, the client's answer) out of the gateway's logs", async () => {
    const question = `canary-question-${Date.now()}-7f3a9c`;
    const answer = `canary-answer-${Date.now()}-b41e2d`;
    suiteCanaries.add(question, gw.dataDir);
    suiteCanaries.add(answer, gw.dataDir);
    const client = await connect('legacy', 'cora');
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { name: answer },
    }));
    for (const kind of KINDS) {
      const result = await client.callTool({
        name: `${upstreams.names[kind]}__elicit`,
        arguments: { message: question },
      });
      expect(text(result)).to.contain(answer);
    }
    const logs = gw.logs.join('\n');
    expect(logs).to.not.contain(question);
    expect(logs).to.not.contain(answer);
  });

  it('refuses relays on a stateless legacy request, which has no stream to carry them', async () => {
    const { token } = await gw.issueToken('sal');
    const res = await postMcp(
      gw,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: `${upstreams.names.stdio}__elicit`, arguments: { message: 'hello?' } },
      },
      { token, query: 'mode=stateless' },
    );
    expect(res.text).to.contain('does not support elicitation/create');
  });

  it('works with the v1 SDK client too', async () => {
    const { token } = await gw.issueToken('vic');
    const transport = new TransportV1(new URL(`${gw.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const client = new ClientV1({ name: 'v1', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { name: 'vic' },
    }));
    await client.connect(transport);
    try {
      const result = await client.callTool({
        name: `${upstreams.names.streamable}__elicit`,
        arguments: { message: 'Name?' },
      });
      expect(JSON.parse(text(result))).to.deep.equal({ action: 'accept', content: { name: 'vic' } });
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
  });

  it('routes concurrent calls of two users on one Streamable HTTP upstream by response stream', async () => {
    const askedA: string[] = [];
    const askedB: string[] = [];
    const a = await connect('legacy', 'alice', askedA);
    const b = await connect('legacy', 'bert', askedB);
    const tool = `${upstreams.names.streamable}__elicit`;
    const rounds = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        Promise.all([
          a.callTool({ name: tool, arguments: { message: `for alice ${i}` } }),
          b.callTool({ name: tool, arguments: { message: `for bert ${i}` } }),
        ]),
      ),
    );
    for (const [ra, rb] of rounds) {
      expect(JSON.parse(text(ra)).content).to.deep.equal({ name: 'alice' });
      expect(JSON.parse(text(rb)).content).to.deep.equal({ name: 'bert' });
    }
    expect(askedA.every((m) => m.startsWith('for alice'))).to.equal(true);
    expect(askedB.every((m) => m.startsWith('for bert'))).to.equal(true);
  });

  for (const kind of ['stdio', 'sse'] as const) {
    it(`refuses rather than guesses while another user's call is in flight (${kind} upstream)`, async () => {
      const askedA: string[] = [];
      const askedB: string[] = [];
      const a = await connect('legacy', 'amy', askedA);
      const b = await connect('legacy', 'ben', askedB);
      const server = upstreams.names[kind];
      const aborter = new AbortController();
      const waiting = b
        .callTool(
          { name: `${server}__wait`, arguments: { tag: `busy-${kind}`, ms: 20_000 } },
          { signal: aborter.signal },
        )
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const result = await a.callTool({ name: `${server}__elicit`, arguments: { message: 'for amy' } });
      aborter.abort();
      await waiting;
      expect(result.isError).to.equal(true);
      expect(text(result)).to.contain('cannot be relayed');
      expect(askedA).to.deep.equal([]);
      expect(askedB).to.deep.equal([]);
      // Alone again, the same call is relayed.
      const alone = await a.callTool({ name: `${server}__elicit`, arguments: { message: 'for amy' } });
      expect(JSON.parse(text(alone)).content).to.deep.equal({ name: 'amy' });
    });
  }
});
