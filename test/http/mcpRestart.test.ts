import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, startGatewayProcess, type GatewayProcess } from '../support/gatewayProcess.js';
import {
  connectMcp,
  connectMcpV2,
  postMcp,
  type McpTestClient,
  type McpV2TestClient,
} from '../support/mcpClient.js';
import { FIXTURE_SERVER } from '../runtime/processTestUtils.js';

const ADMIN = 'mcp-restart-admin-token-long-enough-0123456789';
const SECRET = 'carried-across-restarts-3391';
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function connected(url: string, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const body = (await api(url, 'GET', `/mcp/servers/${name}`)) as { server?: { status: string } };
    if (body.server?.status === 'connected') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} never connected`);
}

describe('legacy /mcp sessions across a gateway restart', function () {
  this.timeout(60_000);
  let dataDir: string;
  let running: GatewayProcess | undefined;
  const key = randomBytes(32).toString('base64');
  const clients: Array<McpTestClient | McpV2TestClient> = [];
  const start = async (port = '0'): Promise<GatewayProcess> => {
    running = await startGatewayProcess({
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      SECRETS_KEY: key,
      ADMIN_TOKEN: ADMIN,
      PORT: port,
    });
    return running;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    running.child.kill('SIGTERM');
    await exited(running.child);
    running = undefined;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-restart-'));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('continues a v1 and a v2 client session with the same session id after the gateway process restarts', async () => {
    const first = await start();
    await api(first.url, 'POST', '/mcp/servers', {
      name: 'fx',
      command: process.execPath,
      args: [FIXTURE_SERVER],
    });
    await api(first.url, 'POST', '/secrets/set', {
      username: 'alice',
      serverName: 'fx',
      secretName: 'TOKEN',
      secretValue: SECRET,
    });
    await connected(first.url, 'fx');
    const gw = { url: first.url, adminToken: ADMIN };
    const v1 = await connectMcp(gw, { query: 'username=alice' });
    const v2 = await connectMcpV2(gw, 'legacy', { query: 'username=alice', capabilities: { roots: {} } });
    clients.push(v1, v2);
    const ids = [v1.transport.sessionId, v2.transport.sessionId];
    expect(
      text(await v1.client.callTool({ name: 'fx__echo_secret', arguments: { name: 'TOKEN' } })),
    ).to.equal(SECRET);

    await stop();
    const second = await start(new URL(first.url).port);
    await connected(second.url, 'fx');

    expect(
      text(await v1.client.callTool({ name: 'fx__echo_secret', arguments: { name: 'TOKEN' } })),
    ).to.equal(SECRET);
    expect(
      text(await v2.client.callTool({ name: 'fx__echo_secret', arguments: { name: 'TOKEN' } })),
    ).to.equal(SECRET);
    expect([v1.transport.sessionId, v2.transport.sessionId]).to.deep.equal(ids);
    expect(second.output.filter((l) => l.includes('mcp session restored')).length).to.equal(2);
    // The session id is a bearer value: it never reaches the log, the event log only holds a hash of it.
    for (const id of ids) expect(first.output.concat(second.output).join('\n')).to.not.contain(id as string);

    // Restored, it is still bound to its owner; deleted, it is gone for good.
    const headers = { 'mcp-session-id': ids[0] as string, 'mcp-protocol-version': '2025-11-25' };
    const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    expect((await postMcp(gw, LIST, { query: 'username=bob', headers })).status).to.equal(403);
    await v1.transport.terminateSession();
    expect((await postMcp(gw, LIST, { query: 'username=alice', headers })).status).to.equal(404);
  });
});
