import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { useTestGateway } from '../support/gatewayHooks.js';
import { connectMcpV2 } from '../support/mcpClient.js';
import { mcpToolNames, names, restTools } from '../support/toolPins.js';
import { fixtureServer, waitForStatus } from '../support/testGateway.js';

type Json = Record<string, unknown>;

describe('tool pinning: exposed names, where no two servers may shadow each other', function () {
  this.timeout(60_000);
  const gateway = useTestGateway({}, 'test');

  it('lets no two servers shadow each other: "a__b" + "c" and "a" + "b__c" never share an exposed name', async () => {
    const gw = gateway.gw;
    for (const name of ['a', 'a__b'])
      await gw.request('POST', '/mcp/servers', fixtureServer(name, { toolApproval: 'auto' }));
    await waitForStatus(gw, 'a', ['connected']);
    await waitForStatus(gw, 'a__b', ['connected']);
    const add = async (server: string, tool: string): Promise<void> => {
      const res = await gw.request('POST', '/mcp/tool/call', {
        serverName: server,
        methodName: 'add_tool',
        args: { name: tool },
      });
      expect(res.status, res.text).to.equal(200);
      await waitFor(
        () => gw.gateway.pool.snapshot(server)?.toolsList.some((t) => t.name === tool) === true,
        `${server}/${tool}`,
      );
    };
    await add('a', 'b__c');
    await add('a__b', 'c');
    // REST keys tools by server: both stay apart and callable.
    expect(names(await restTools(gw, 'a'))).to.include('b__c');
    expect(names(await restTools(gw, 'a__b'))).to.include('c');
    for (const era of ['modern', 'legacy'] as const) {
      const listed = await mcpToolNames(gw, era);
      // A server whose own name contains the separator is left out of /mcp, so the name maps to one tool.
      expect(
        listed.filter((n) => n === 'a__b__c'),
        era,
      ).to.have.length(1);
      expect(
        listed.some((n) => n.startsWith('a__b__') && n !== 'a__b__c'),
        era,
      ).to.equal(false);
      expect(new Set(listed).size, era).to.equal(listed.length);
      const mcp = await connectMcpV2(gw, era, { query: 'username=alice' });
      try {
        const result = await mcp.client.callTool({ name: 'a__b__c', arguments: { message: 'from a' } });
        expect((result.content as Array<{ text: string }>)[0]?.text).to.equal('from a');
      } finally {
        await mcp.close();
      }
    }
    // The audit trail names the server each call reached: both /mcp calls went to "a", none to "a__b".
    const reached = async (server: string): Promise<number> => {
      const res = await gw.request('GET', `/audit/calls?serverName=${server}&username=alice`);
      return (res.body.calls as Json[]).length;
    };
    const deadline = Date.now() + 10_000;
    while ((await reached('a')) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await reached('a')).to.equal(2);
    expect(await reached('a__b')).to.equal(0);
  });
});
