import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryEventStore } from '../../../src/events/memoryEventStore.js';
import type { EventStore } from '../../../src/events/eventStore.js';
import { createLogger } from '../../../src/logger.js';
import { Projector } from '../../../src/projections/projector.js';
import type { ToolCallExtras } from '../../../src/runtime/core/types.js';
import { McpEndpoint } from '../../../src/runtime/endpoint/mcpEndpoint.js';
import { storeSessionLedger } from '../../../src/runtime/endpoint/sessionLedger.js';

const logger = createLogger({ level: 'error', write: () => undefined });

/** An endpoint instance over a store, served on its own loopback port, recording what the call path receives. */
async function instance(store: EventStore, seen: ToolCallExtras[]) {
  const projector = new Projector(store, logger);
  await projector.start();
  const endpoint = new McpEndpoint({
    ledger: storeSessionLedger({
      store,
      readModels: () => projector.readModels,
      metadata: () => ({ now: new Date(), newId: randomUUID }),
      caughtUp: (p) => projector.waitFor(p),
      logger,
    }),
    logger,
    limits: { maxSessionsPerUser: 4, sessionIdleTimeoutMs: 60_000, maxConcurrentCallsPerSession: 4 },
    source: {
      servers: () => [{ name: 'fx', tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }],
      async call(_request, _signal, extras) {
        seen.push(extras);
        return { content: [{ type: 'text', text: 'ok' }] };
      },
    },
  });
  const http: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
      void endpoint.handle(req, res, {
        access: { principal: { username: 'u', subject: 'admin:u' }, filter: {} },
        stateless: false,
        body,
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`),
    async close() {
      await endpoint.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      projector.stop();
    },
  };
}

describe("McpEndpoint: the calling client's capabilities reach the call path", () => {
  const store = createMemoryEventStore();
  const seen: ToolCallExtras[] = [];
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
    seen.length = 0;
  });

  it('from the envelope of a 2026-07-28 request', async () => {
    const gw = await instance(store, seen);
    open.push(gw);
    const client = new ClientV2(
      { name: 't', version: '1' },
      { capabilities: { sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new TransportV2(gw.url));
    open.push(client);
    await client.callTool({ name: 'fx__echo', arguments: {} });
    expect(seen[0]?.clientCapabilities).to.have.property('sampling');
  });

  it("from a legacy session's initialize, also once another instance rebuilt the session from the store", async () => {
    const first = await instance(store, seen);
    const second = await instance(store, seen);
    open.push(first, second);
    const transport = new TransportV1(first.url);
    const client = new ClientV1(
      { name: 't', version: '1' },
      { capabilities: { roots: { listChanged: true } } },
    );
    await client.connect(transport);
    open.push(client);
    await client.callTool({ name: 'fx__echo', arguments: {} });
    const res = await fetch(second.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId as string,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'fx__echo', arguments: {} },
      }),
    });
    expect(await res.text()).to.contain('"ok"');
    expect(seen.map((e) => e.clientCapabilities)).to.deep.equal([
      { roots: { listChanged: true } },
      { roots: { listChanged: true } },
    ]);
  });
});
