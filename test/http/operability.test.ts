import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('operability endpoints', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  describe('GET /healthz', () => {
    it('answers JSON while the process is up', async () => {
      const res = await gw.request('GET', '/healthz');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ success: true, status: 'ok' });
    });
  });

  describe('GET /readyz', () => {
    it(
      'is ready when the store answers, ' +
        'projections are caught up and every enabled server is supervised',
      async () => {
        await gw.request('POST', '/mcp/servers', fixtureServer('r1'));
        await gw.gateway.reactor.idle();
        const res = await gw.request('GET', '/readyz');
        expect(res.status).to.equal(200);
        expect(res.body.status).to.equal('ready');
        const checks = res.body.checks as Record<string, { ok: boolean }>;
        expect(Object.values(checks).every((c) => c.ok)).to.equal(true);
      },
    );

    it('is not ready (503) while the read models lag behind the store', async () => {
      gw.gateway.projector.stop(); // detach, then write behind its back
      await gw.store.append(
        'server-ghost',
        [
          {
            type: 'Unknown',
            data: {},
            metadata: { eventId: 'e1', occurredAt: new Date().toISOString(), schemaVersion: 1 },
          },
        ],
        'any',
      );
      const res = await gw.request('GET', '/readyz');
      expect(res.status).to.equal(503);
      expect(
        (res.body.checks as Record<string, { ok: boolean; detail: string }>).projections,
      ).to.deep.include({ ok: false, detail: '1 events behind' });
    });
  });

  describe('GET /metrics', () => {
    it('exposes call counts by outcome, latency, restarts, processes, append latency and projection lag', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('m1'));
      await waitForStatus(gw, 'm1', ['connected']);
      await gw.request('POST', '/mcp/tool/call', {
        serverName: 'm1',
        methodName: 'echo',
        args: { message: 'x' },
      });
      await gw.request('POST', '/mcp/tool/call', { serverName: 'm1', methodName: 'fail', args: {} });
      await gw.request('POST', '/mcp/tool/call', { serverName: 'm1', methodName: 'echo', args: {} });
      await gw.request('POST', '/mcp/tool/call', { serverName: 'made-up', methodName: 'echo', args: {} });
      const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
      expect(res.headers.get('content-type')).to.contain('text/plain');
      const text = await res.text();
      expect(text).to.contain('mcp_tool_calls_total{server="m1",outcome="ok"} 1');
      expect(text).to.contain('mcp_tool_calls_total{server="m1",outcome="tool_error"} 1');
      expect(text).to.contain('mcp_tool_calls_total{server="m1",outcome="invalid_arguments"} 1');
      expect(text).to.contain('mcp_tool_calls_total{server="(unknown)",outcome="server_not_found"} 1');
      expect(text).to.not.contain('made-up');
      expect(text).to.match(/mcp_tool_call_duration_seconds_count\{server="m1"\} 3/);
      expect(text).to.contain('mcp_server_up{server="m1",status="connected"} 1');
      expect(text).to.contain('mcp_server_restarts{server="m1"} 0');
      expect(text).to.contain('mcp_child_processes 1');
      expect(text).to.match(/mcp_event_store_append_duration_seconds_count [1-9]/);
      expect(text).to.contain('mcp_projection_lag_events 0');
    });
  });
});
