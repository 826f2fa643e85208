import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

describe('a published MCP server (@modelcontextprotocol/server-everything)', () => {
  let gw: TestGateway;
  const keyCanary = `SECRETS-KEY-CANARY-${randomUUID()}`;
  before(async () => {
    gw = await startTestGateway({
      parentEnv: { ...process.env, SECRETS_KEY: keyCanary, MONGO_PASS: keyCanary },
    });
    await gw.request('POST', '/mcp/servers', {
      name: 'everything',
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
      env: { GREETING: 'hello' },
    });
    await waitForStatus(gw, 'everything', ['connected']);
  });
  after(async () => {
    await gw.close();
  });

  it('is registered, lists its tools and answers a call through the API', async () => {
    const tools = await gw.request('GET', '/mcp/tools');
    const names = (
      (tools.body.tools as Array<Record<string, Array<{ name: string }>>>)[0]!.everything ?? []
    ).map((t) => t.name);
    expect(names).to.include.members(['echo', 'get-sum', 'get-env']);
    const res = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'everything',
      methodName: 'get-sum',
      args: { a: 19, b: 23 },
    });
    expect(res.status).to.equal(200);
    expect(JSON.stringify(res.body.data)).to.contain('42');
  });

  it("gets its configured env and never the gateway's own secrets", async () => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      serverName: 'everything',
      methodName: 'get-env',
      args: {},
    });
    const text = JSON.stringify(res.body.data);
    expect(text).to.contain('GREETING');
    expect(text).to.not.contain(keyCanary);
    expect(text).to.not.contain('SECRETS_KEY');
  });
});
