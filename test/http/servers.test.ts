import { expect } from 'chai';
import { FIXTURE_TOOLS, isAlive, waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const toolNames = (server: Record<string, unknown>): string[] =>
  (server.toolsList as Array<{ name: string }>).map((t) => t.name);

describe('server management endpoints', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  describe('POST /mcp/servers', () => {
    it('registers a stdio server that starts and lists every page of its tools', async () => {
      const res = await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('alpha', { env: { FIXTURE_PAGE_SIZE: '2' } }),
      );
      expect(res.status).to.equal(200);
      expect(res.body.success).to.equal(true);
      const created = res.body.server as Record<string, unknown>;
      expect(created).to.include({
        name: 'alpha',
        transportType: 'stdio',
        command: process.execPath,
        enabled: true,
      });
      expect(created.status).to.be.oneOf(['connecting', 'connected']);
      const server = await waitForStatus(gw, 'alpha', ['connected']);
      expect(toolNames(server)).to.have.members(FIXTURE_TOOLS);
      expect(server).to.have.keys([
        'name',
        'transportType',
        'command',
        'args',
        'env',
        'status',
        'enabled',
        'timeout',
        'startupTimeout',
        'secretDelivery',
        'toolApproval',
        'toolsList',
        'logs',
        'restarts',
        'pid',
        'createdAt',
        'updatedAt',
      ]);
      expect(server.logs).to.be.an('array');
    });

    it('refuses a second server with the same name (409)', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('dup', { enabled: false }));
      const res = await gw.request('POST', '/mcp/servers', fixtureServer('dup'));
      expect(res.status).to.equal(409);
      expect(res.body).to.include({
        success: false,
        code: 'server_already_exists',
        error: 'Server with name dup already exists',
      });
    });

    it('registers a disabled server without starting it', async () => {
      const res = await gw.request('POST', '/mcp/servers', fixtureServer('off', { enabled: false }));
      expect((res.body.server as Record<string, unknown>).status).to.equal('disconnected');
      expect(gw.gateway.pool.snapshot('off')).to.equal(undefined);
    });

    it('redacts credential-looking env values and keeps them when the redacted value is sent back', async () => {
      await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('envy', { env: { API_TOKEN: 'tok-canary-93', MODE: 'plain' } }),
      );
      const server = await waitForStatus(gw, 'envy', ['connected']);
      expect(server.env).to.deep.equal({ API_TOKEN: '[redacted]', MODE: 'plain' });
      await gw.request('PUT', '/mcp/servers/envy', { env: { ...(server.env as object), MODE: 'changed' } });
      await waitForStatus(gw, 'envy', ['connected']);
      const call = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'envy',
        methodName: 'get_env',
        args: {},
      });
      const env = JSON.parse(
        (call.body.data as { content: Array<{ text: string }> }).content[0]!.text,
      ) as Record<string, string>;
      expect(env).to.include({ API_TOKEN: 'tok-canary-93', MODE: 'changed' });
    });
  });

  describe('GET /mcp/servers and /mcp/servers/:name', () => {
    it('lists servers in the reference shape and 404s an unknown name', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('one'));
      await waitForStatus(gw, 'one', ['connected']);
      const list = await gw.request('GET', '/mcp/servers');
      expect(list.body.success).to.equal(true);
      expect((list.body.servers as Array<{ name: string }>).map((s) => s.name)).to.deep.equal(['one']);
      const missing = await gw.request('GET', '/mcp/servers/nope');
      expect(missing.status).to.equal(404);
      expect(missing.body).to.include({
        success: false,
        code: 'server_not_found',
        error: 'Server with name nope not found',
      });
    });
  });

  describe('PUT /mcp/servers/:name', () => {
    it('restarts the server with the new configuration', async () => {
      // Auto-approved (tool pinning): the restarted server's new tool is listed at once.
      await gw.request('POST', '/mcp/servers', fixtureServer('cfg', { toolApproval: 'auto' }));
      const before = await waitForStatus(gw, 'cfg', ['connected']);
      const res = await gw.request('PUT', '/mcp/servers/cfg', {
        env: { FIXTURE_EXTRA_TOOL: 'brand_new' },
        timeout: 1234,
      });
      expect(res.status).to.equal(200);
      expect((res.body.server as Record<string, unknown>).timeout).to.equal(1234);
      await waitFor(
        () => (gw.gateway.pool.snapshot('cfg')?.toolsList ?? []).some((t) => t.name === 'brand_new'),
        'new tool',
      );
      const after = await waitForStatus(gw, 'cfg', ['connected']);
      expect(after.pid).to.not.equal(before.pid);
      await waitFor(() => !isAlive(before.pid as number), 'old process to exit');
    });

    it('404s an unknown server and 400s a bad body', async () => {
      expect((await gw.request('PUT', '/mcp/servers/ghost', { args: [] })).status).to.equal(404);
      await gw.request('POST', '/mcp/servers', fixtureServer('typed', { enabled: false }));
      const bad = await gw.request('PUT', '/mcp/servers/typed', { args: 'not-an-array', timeout: -5 });
      expect(bad.status).to.equal(400);
      expect(bad.body.code).to.equal('invalid_request');
      expect(String(bad.body.error)).to.contain('args').and.contain('timeout');
    });
  });

  describe('PUT /mcp/servers/:name/enable and /disable', () => {
    it('stops the process on disable and starts it again on enable', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('toggle'));
      const running = await waitForStatus(gw, 'toggle', ['connected']);
      const off = await gw.request('PUT', '/mcp/servers/toggle/disable');
      expect(off.body.server).to.include({ enabled: false, status: 'disconnected' });
      await waitFor(() => !isAlive(running.pid as number), 'process to stop');
      const call = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'toggle',
        methodName: 'echo',
        args: { message: 'x' },
      });
      expect(call.status).to.equal(409);
      expect(call.body.code).to.equal('server_disabled');
      const on = await gw.request('PUT', '/mcp/servers/toggle/enable');
      expect((on.body.server as Record<string, unknown>).enabled).to.equal(true);
      await waitForStatus(gw, 'toggle', ['connected']);
    });

    it('404s for an unknown server', async () => {
      const res = await gw.request('PUT', '/mcp/servers/ghost/enable');
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('server_not_found');
    });
  });

  describe('DELETE /mcp/servers/:name', () => {
    it('stops the server and forgets it and its secrets', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('gone'));
      const running = await waitForStatus(gw, 'gone', ['connected']);
      await gw.request('POST', '/secrets/set', {
        serverName: 'gone',
        secretName: 'K',
        secretValue: 'value-1234',
      });
      const res = await gw.request('DELETE', '/mcp/servers/gone');
      expect(res.body).to.deep.equal({ success: true });
      expect((await gw.request('GET', '/mcp/servers/gone')).status).to.equal(404);
      await waitFor(() => !isAlive(running.pid as number), 'process to stop');
      // Re-registering the name starts clean: the old registration's secrets do not come back.
      await gw.request('POST', '/mcp/servers', fixtureServer('gone'));
      await waitForStatus(gw, 'gone', ['connected']);
      const call = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'gone',
        methodName: 'echo_args',
        args: {},
      });
      expect((call.body.data as { content: Array<{ text: string }> }).content[0]!.text).to.equal('{}');
      expect((await gw.request('DELETE', '/mcp/servers/never')).status).to.equal(404);
    });
  });

  describe('GET /mcp/tools', () => {
    it('lists tools per enabled server in the reference shape', async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('t1'));
      await gw.request('POST', '/mcp/servers', fixtureServer('t2', { enabled: false }));
      await waitForStatus(gw, 't1', ['connected']);
      const res = await gw.request('GET', '/mcp/tools');
      expect(res.body.success).to.equal(true);
      const tools = res.body.tools as Array<Record<string, Array<{ name: string; inputSchema: object }>>>;
      expect(tools).to.have.length(1);
      expect(Object.keys(tools[0]!)).to.deep.equal(['t1']);
      expect(tools[0]!.t1!.map((t) => t.name)).to.have.members(FIXTURE_TOOLS);
      expect(tools[0]!.t1![0]!.inputSchema).to.have.property('type', 'object');
    });
  });
});
