import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import {
  connectMcpV2,
  envelope,
  modernHeaders,
  postMcp,
  type McpV2TestClient,
} from '../../support/mcpClient.js';
import { startTestGateway, type TestGateway } from '../../support/testGateway.js';
import { registerRelayUpstreams, type RelayUpstreams, type UpstreamKind } from './relayUpstreams.js';

const KINDS: UpstreamKind[] = ['stdio', 'streamable', 'sse'];

interface Heard {
  readonly level: string;
  readonly data: unknown;
}

describe('upstream log messages through /mcp', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let upstreams: RelayUpstreams;
  const clients: McpV2TestClient[] = [];
  /** A legacy session of `who` that records the upstream's log messages it hears. */
  const listen = async (who: string, heard: Heard[]): Promise<Client> => {
    const { token } = await gw.issueToken(who);
    const c = await connectMcpV2(gw, 'legacy', { token });
    clients.push(c);
    c.client.setNotificationHandler('notifications/message', (n) => {
      if (n.params.logger === 'relay-fixture') heard.push({ level: n.params.level, data: n.params.data });
    });
    return c.client;
  };

  before(async () => {
    gw = await startTestGateway();
    upstreams = await registerRelayUpstreams(gw, 'logs');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstreams.close();
  });

  for (const kind of KINDS) {
    it(
      `routes them to the calling legacy session at its logging/setLevel, ` +
        `never to another user (${kind})`,
      async () => {
        const mine: Heard[] = [];
        const theirs: Heard[] = [];
        const me = await listen('lou', mine);
        const other = await listen('lin', theirs);
        await me.setLoggingLevel('warning');
        await other.setLoggingLevel('debug');
        const tool = `${upstreams.names[kind]}__log`;
        await me.callTool({ name: tool, arguments: { level: 'info', message: 'below my level' } });
        await me.callTool({ name: tool, arguments: { level: 'error', message: 'for lou only' } });
        // Notifications travel ahead of the result on the call's stream: they are here by now.
        expect(mine).to.deep.equal([{ level: 'error', data: 'for lou only' }]);
        expect(theirs).to.deep.equal([]);
      },
    );
  }

  it('keeps concurrent calls of two users apart on a Streamable HTTP upstream (by response stream)', async () => {
    const heardA: Heard[] = [];
    const heardB: Heard[] = [];
    const a = await listen('ava', heardA);
    const b = await listen('bo', heardB);
    const tool = `${upstreams.names.streamable}__log`;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => [
        a.callTool({ name: tool, arguments: { level: 'info', message: `ava ${i}` } }),
        b.callTool({ name: tool, arguments: { level: 'info', message: `bo ${i}` } }),
      ]).flat(),
    );
    expect(heardA.map((h) => h.data)).to.have.members(Array.from({ length: 10 }, (_, i) => `ava ${i}`));
    expect(heardB.map((h) => h.data)).to.have.members(Array.from({ length: 10 }, (_, i) => `bo ${i}`));
  });

  it("sends a legacy session the gateway's own per-call notice only once it asked for debug logs", async () => {
    const { token } = await gw.issueToken('lyn');
    const c = await connectMcpV2(gw, 'legacy', { token });
    clients.push(c);
    const notices: unknown[] = [];
    c.client.setNotificationHandler('notifications/message', (n) => {
      if (n.params.logger === 'mcp-api') notices.push(n.params.data);
    });
    const tool = `${upstreams.names.stdio}__log`;
    const call = (message: string) =>
      c.client.callTool({ name: tool, arguments: { level: 'info', message } });
    await call('unasked');
    expect(notices).to.deep.equal([]);
    await c.client.setLoggingLevel('info');
    await call('above debug');
    expect(notices).to.deep.equal([]);
    await c.client.setLoggingLevel('debug');
    await call('asked');
    expect(notices).to.deep.equal([{ message: `calling log on ${upstreams.names.stdio}` }]);
  });

  it('honours the per-request log level of a 2026-07-28 request', async () => {
    const tool = `${upstreams.names.stdio}__log`;
    const body = (id: number, level?: string) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: { level: 'notice', message: `modern ${id}` },
        _meta: envelope('2026-07-28', level ? { 'io.modelcontextprotocol/logLevel': level } : {}),
      },
    });
    const post = (id: number, level?: string) =>
      postMcp(gw, body(id, level), { headers: modernHeaders('tools/call', tool) });
    expect((await post(1)).text).to.not.contain('modern 1');
    expect((await post(2, 'info')).text)
      .to.contain('modern 2')
      .and.contain('relay-fixture');
    expect((await post(3, 'error')).text).to.not.contain('modern 3');
  });
});
