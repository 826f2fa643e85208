import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { startMongoInstance } from '../support/gatewayInstance.js';
import {
  connectMcp,
  connectMcpV2,
  postMcp,
  type McpTestClient,
  type McpV2TestClient,
} from '../support/mcpClient.js';
import { startMongoTarget, testDbName, type MongoTestTarget } from '../support/mongoTestStore.js';
import { fixtureServer, waitForStatus, type TestGateway } from '../support/testGateway.js';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const SECRET = 'shared-session-secret-7740';
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

describe('legacy /mcp sessions on several instances sharing one store', function () {
  this.timeout(60_000);
  let target: MongoTestTarget;
  let a: TestGateway;
  let b: TestGateway;
  const clients: Array<McpTestClient | McpV2TestClient> = [];

  before(async () => {
    target = await startMongoTarget();
    const db = testDbName();
    a = await startMongoInstance(target, db);
    b = await startMongoInstance(target, db);
    await a.request('POST', '/mcp/servers', fixtureServer('fx'));
    await a.request('POST', '/mcp/servers', fixtureServer('other'));
    await a.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'fx',
      secretName: 'TOKEN',
      secretValue: SECRET,
    });
    await waitForStatus(a, 'fx', ['connected']);
    await waitForStatus(b, 'fx', ['connected']);
    await waitForStatus(b, 'other', ['connected']);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await a.close();
    await b.close();
    await target.close();
  });

  it('serves a session opened on instance A from instance B, with its user, filter and client', async () => {
    const onA = await connectMcpV2(a, 'legacy', { query: 'username=alice&servers=fx' });
    clients.push(onA);
    const sessionId = onA.transport.sessionId as string;
    expect(
      text(await onA.client.callTool({ name: 'fx__echo_secret', arguments: { name: 'TOKEN' } })),
    ).to.equal(SECRET);

    // A v1 client that only knows the session id goes to B: no initialize, straight to the session.
    const onB = await connectMcp(b, { query: 'username=alice', sessionId });
    clients.push(onB);
    expect(
      text(await onB.client.callTool({ name: 'fx__echo_secret', arguments: { name: 'TOKEN' } })),
    ).to.equal(SECRET);
    const listed = await onB.client.listTools();
    // The filter fixed when A opened the session (?servers=fx) holds on B, where the request names none.
    expect(listed.tools.length).to.be.greaterThan(0);
    expect(listed.tools.every((t) => t.name.startsWith('fx__'))).to.equal(true);
    const asBob = await postMcp(b, LIST, {
      query: 'username=bob',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(asBob.status).to.equal(403);
  });

  it('ends the session everywhere when it is deleted on one instance', async () => {
    const onA = await connectMcp(a, { query: 'username=alice' });
    const sessionId = onA.transport.sessionId as string;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    expect((await postMcp(b, LIST, { query: 'username=alice', headers })).status).to.equal(200);
    const deleted = await fetch(`${b.url}/mcp?username=alice`, {
      method: 'DELETE',
      headers: { ...headers, authorization: `Bearer ${b.adminToken}` },
    });
    expect(deleted.status).to.equal(200);
    // A held it live; once A's read model has the close, A answers 404 as well.
    for (let i = 0; i < 200; i++) {
      if ((await postMcp(a, LIST, { query: 'username=alice', headers })).status === 404) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await postMcp(a, LIST, { query: 'username=alice', headers })).status).to.equal(404);
    await onA.client.close();
  });
});
