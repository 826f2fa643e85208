import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect } from 'chai';
import { RELAYED_CAPABILITIES } from '../../../src/runtime/relay/clientRelay.js';
import { connectMcpV2, type McpV2TestClient } from '../../support/mcpClient.js';
import { call as restCall } from '../../support/remote.js';
import { EVERYTHING, gatewayWithEverything } from '../../support/everythingServer.js';
import type { TestGateway } from '../../support/testGateway.js';

/** The tools server-everything shows a client that declares everything the gateway relays. */
async function directTools(): Promise<string[]> {
  const client = new Client({ name: 'direct', version: '1' }, { capabilities: { ...RELAYED_CAPABILITIES } });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [EVERYTHING, 'stdio'],
    stderr: 'ignore',
  });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

describe('server-everything through /mcp (capabilities advertised upstream)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let mcp: McpV2TestClient;

  before(async () => {
    // Default wiring: the gateway advertises what it relays, nothing configured.
    gw = await gatewayWithEverything();
    mcp = await connectMcpV2(gw, 'legacy', {
      capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
    });
    mcp.client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { name: 'Ada', favoriteColor: 'blue', agreeToTerms: true },
    }));
    mcp.client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: 'a sampled answer' },
    }));
    mcp.client.setRequestHandler('roots/list', async () => ({
      roots: [{ uri: 'file:///work', name: 'work' }],
    }));
  });
  after(async () => {
    await mcp.close();
    await gw.close();
  });

  it('lists every tool server-everything offers a fully capable client', async () => {
    const direct = await directTools();
    expect(direct).to.include.members([
      'trigger-elicitation-request-async',
      'trigger-sampling-request-async',
    ]);
    const listed = (await mcp.client.listTools()).tools
      .map((t) => t.name)
      .filter((n) => n.startsWith('everything__'))
      .map((n) => n.slice('everything__'.length))
      .sort();
    expect(listed).to.deep.equal(direct);
  });

  it('relays its elicitation and sampling requests, plain and as tasks, and its roots request', async () => {
    const call = (name: string, args: Record<string, unknown> = {}) =>
      mcp.client.callTool({ name: `everything__${name}`, arguments: args });
    expect(JSON.stringify(await call('trigger-elicitation-request'))).to.contain('Ada');
    expect(JSON.stringify(await call('trigger-sampling-request', { prompt: 'hi' }))).to.contain(
      'a sampled answer',
    );
    expect(JSON.stringify(await call('get-roots-list'))).to.contain('file:///work');
    expect(JSON.stringify(await call('trigger-elicitation-request-async'))).to.contain('Ada');
    expect(JSON.stringify(await call('trigger-sampling-request-async', { prompt: 'hi' }))).to.contain(
      'a sampled answer',
    );
  });

  it('runs a tool that requires a task (2025-11-25 tasks) for a /mcp client and a REST caller', async () => {
    const viaMcp = await mcp.client.callTool({
      name: 'everything__simulate-research-query',
      arguments: { topic: 'gateways', ambiguous: false },
    });
    expect(viaMcp.isError ?? false).to.equal(false);
    expect(JSON.stringify(viaMcp)).to.contain('gateways');
    const viaRest = await restCall(gw, 'everything', 'simulate-research-query', { topic: 'relays' });
    expect(viaRest.status, viaRest.text).to.equal(200);
    expect(viaRest.text).to.contain('relays');
  });
});
