import { expect } from 'chai';
import { waitFor } from '../runtime/processTestUtils.js';
import { useTestGateway } from '../support/gatewayHooks.js';
import { names, pendingNames, waitForPins } from '../support/toolPins.js';
import { fixtureServer, waitForStatus } from '../support/testGateway.js';

type Json = Record<string, unknown>;

describe('tool pinning: approval modes ("auto" and "manual") and the approval API', function () {
  this.timeout(60_000);
  const gateway = useTestGateway({}, 'test');

  it('auto-approves the changes of a server set to toolApproval "auto", and records them', async () => {
    const gw = gateway.gw;
    const res = await gw.request('POST', '/mcp/servers', fixtureServer('auto', { toolApproval: 'auto' }));
    expect((res.body.server as Json).toolApproval).to.equal('auto');
    await waitForStatus(gw, 'auto', ['connected']);
    const pins = await waitForPins(gw, 'auto', (p) => names(p.pinned).includes('echo'));
    await gw.request('POST', '/mcp/tool/call', {
      serverName: 'auto',
      methodName: 'add_tool',
      args: { name: 'fresh' },
    });
    await waitFor(
      () => gw.gateway.pool.snapshot('auto')?.toolsList.some((t) => t.name === 'fresh') === true,
      'fresh',
    );
    const call = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'auto',
      methodName: 'fresh',
      args: { message: 'x' },
    });
    expect(call.status, call.text).to.equal(200);
    const done = await waitForPins(gw, 'auto', (p) => names(p.pinned).includes('fresh'));
    expect(pendingNames(done)).to.deep.equal([]);
    const events = await gw.request('GET', `/events?stream=toolpins-${String(pins.serverId)}`);
    const types = (events.body.events as Json[]).map((e) => e.type);
    expect(types).to.deep.equal(['ToolCatalogPinned', 'ToolChangeDetected', 'ToolChangeApproved']);
    expect(((events.body.events as Json[])[2]!.data as Json).by).to.equal('auto');
    // Switching back to manual goes through the same API, and restarts nothing (the gate reads it live).
    const pid = gw.gateway.pool.snapshot('auto')?.pid;
    const manual = await gw.request('PUT', '/mcp/servers/auto', { toolApproval: 'manual' });
    expect((manual.body.server as Json).toolApproval).to.equal('manual');
    expect((manual.body.server as Json).pid).to.equal(pid);
    await gw.request('POST', '/mcp/tool/call', {
      serverName: 'auto',
      methodName: 'add_tool',
      args: { name: 'later' },
    });
    await waitForPins(gw, 'auto', (p) => pendingNames(p).includes('later'));
    expect(gw.gateway.pool.snapshot('auto')?.pid).to.equal(pid);
  });

  it('validates the approval API: unknown server 404, nothing held 404, bad hash 400, user token 403', async () => {
    const gw = gateway.gw;
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
    expect((await gw.request('POST', '/mcp/servers/ghost/tool-pins/approve', {})).status).to.equal(404);
    expect((await gw.request('GET', '/mcp/tool-pins?serverName=ghost')).status).to.equal(404);
    const none = await gw.request('POST', '/mcp/servers/fx/tool-pins/approve', { toolName: 'echo' });
    expect(none.status).to.equal(404);
    expect(none.body.code).to.equal('tool_change_not_found');
    const bad = await gw.request('POST', '/mcp/servers/fx/tool-pins/reject', { toolName: 'echo', hash: 'x' });
    expect(bad.status).to.equal(400);
    expect(String(bad.body.error)).to.contain('hash');
    const extra = await gw.request('POST', '/mcp/servers/fx/tool-pins/approve', { tools: ['echo'] });
    expect(extra.status).to.equal(400);
    const { token } = await gw.issueToken('bob');
    expect((await gw.request('GET', '/mcp/tool-pins', undefined, { token })).status).to.equal(403);
    expect((await gw.request('POST', '/mcp/servers/fx/tool-pins/approve', {}, { token })).status).to.equal(
      403,
    );
  });
});
