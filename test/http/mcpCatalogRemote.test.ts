import { expect } from 'chai';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { connectMcpV2 } from '../support/mcpClient.js';
import { remoteServer } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('resources and prompts of remote servers (legacy Streamable HTTP and SSE upstreams)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const remotes: RemoteMcpServer[] = [];

  before(async () => {
    gw = await startTestGateway();
    for (const mode of ['streamable', 'sse'] as const) {
      const remote = await startRemoteMcpServer({ mode });
      remotes.push(remote);
      await gw.request('POST', '/mcp/servers', remoteServer(`r-${mode}`, remote.url));
      await waitForStatus(gw, `r-${mode}`, ['connected']);
    }
  });
  after(async () => {
    await gw?.close();
    await Promise.all(remotes.map((r) => r.close()));
  });

  for (const mode of ['streamable', 'sse'] as const) {
    it(`${mode}: lists and reads the resource and gets the prompt, over REST and /mcp in both eras`, async () => {
      const name = `r-${mode}`;
      const listed = await gw.request('GET', `/mcp/resources?server=${name}`);
      const items = (listed.body.resources as Array<Record<string, Array<{ uri: string }>>>)[0]?.[name] ?? [];
      expect(items.map((r) => r.uri)).to.deep.equal(['note://one']);
      const read = await gw.request('POST', '/mcp/resource/read', { serverName: name, uri: 'note://one' });
      expect((read.body.data as { contents: Array<{ text: string }> }).contents[0]?.text).to.equal(
        'remote note',
      );
      for (const era of ['legacy', 'modern'] as const) {
        const c = await connectMcpV2(gw, era, { query: `servers=${name}` });
        try {
          const viaMcp = await c.client.readResource({ uri: `mcp-api://${name}/note://one` });
          expect(viaMcp.contents[0]).to.deep.include({
            uri: `mcp-api://${name}/note://one`,
            text: 'remote note',
          });
          const prompt = await c.client.getPrompt({ name: `${name}__hello` });
          expect(prompt.messages[0]?.content).to.deep.equal({ type: 'text', text: 'hello from remote' });
        } finally {
          await c.close();
        }
      }
    });
  }
});
