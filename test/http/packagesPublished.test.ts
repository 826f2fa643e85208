import { expect } from 'chai';
import { join } from 'node:path';
import { packageTestEnv, toolNames } from '../support/packageTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const PUBLISHED = '@modelcontextprotocol/server-memory';

describe('installing a published MCP server from the real npm registry', function () {
  this.timeout(180_000);
  let gw: TestGateway;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env });
  });
  after(async () => {
    await gw.close();
    await cleanupHome();
  });

  it(`installs ${PUBLISHED}, runs it from its bin and calls a tool through POST /mcp/tool/call`, async () => {
    const memoryFile = join(gw.dataDir, 'memory.jsonl');
    const res = await gw.request('POST', '/packages/install', {
      name: PUBLISHED,
      serverName: 'memory',
      env: { MEMORY_FILE_PATH: memoryFile },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.package).to.include({ name: PUBLISHED, status: 'installed', mcpServerId: 'memory' });
    const version = String((res.body.package as { version: string }).version);
    expect(version).to.match(/^\d+\.\d+\.\d+/);
    const server = await waitForStatus(gw, 'memory', ['connected'], 60_000);
    expect(toolNames(server)).to.include.members(['create_entities', 'read_graph']);
    const call = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'memory',
      methodName: 'create_entities',
      args: {
        entities: [
          { name: 'mcp-api', entityType: 'gateway', observations: ['installed by the package test'] },
        ],
      },
    });
    expect(call.status, call.text).to.equal(200);
    const read = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'memory',
      methodName: 'read_graph',
      args: {},
    });
    expect(JSON.stringify(read.body.data)).to.contain('installed by the package test');
    const updates = await gw.request('GET', '/packages/updates?name=memory');
    expect((updates.body.updates as Array<Record<string, unknown>>)[0]).to.include({
      serverName: 'memory',
      currentVersion: version,
      latestVersion: version,
      updateAvailable: false,
    });
    for (const path of [
      `/packages/by-name/${PUBLISHED}`,
      `/packages/by-name/${encodeURIComponent(PUBLISHED)}`,
    ]) {
      expect((await gw.request('GET', path)).body.package, path).to.include({
        mcpServerId: 'memory',
        version,
      });
    }
    expect((await gw.request('DELETE', '/packages/memory')).status).to.equal(200);
  });
});
