import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG_SERVER } from '../support/catalogFixture.js';
import { exited, startGatewayProcess, type GatewayProcess } from '../support/gatewayProcess.js';
import { suiteCanaries } from '../support/suiteCanaries.js';

const ADMIN = 'mcp-restart-subs-admin-token-long-enough-0123456789';
const ITEM = (n: number): string => `mcp-api://cat/mem://item/${n}`;

async function connected(url: string, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const res = await fetch(`${url}/mcp/servers/${name}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await res.json()) as { server?: { status: string } };
    if (body.server?.status === 'connected') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} never connected`);
}

/** Every resources/updated a client received, in order, and a wait for the next one of a URI. */
function updates(client: Client): {
  seen: string[];
  arrival(uri: string, withinMs: number): Promise<boolean>;
} {
  const seen: string[] = [];
  const waiters = new Set<(uri: string) => void>();
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    seen.push(n.params.uri);
    for (const w of waiters) w(n.params.uri);
  });
  return {
    seen,
    arrival: (uri, withinMs) =>
      new Promise((resolve) => {
        const waiter = (got: string): void => {
          if (got !== uri) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          resolve(false);
        }, withinMs);
        waiters.add(waiter);
      }),
  };
}

describe('legacy /mcp resource subscriptions across a gateway restart', function () {
  this.timeout(90_000);
  let dataDir: string;
  let running: GatewayProcess | undefined;
  let client: Client | undefined;
  const key = randomBytes(32).toString('base64');
  const start = async (port = '0'): Promise<GatewayProcess> => {
    const env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      SECRETS_KEY: key,
      ADMIN_TOKEN: ADMIN,
      PORT: port,
    };
    running = await startGatewayProcess(env);
    return running;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    running.child.kill('SIGTERM');
    await exited(running.child);
    running = undefined;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-restart-subs-'));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('renews what a session subscribed to, so the client still gets resources/updated after the restart', async () => {
    const first = await start();
    const register = await fetch(`${first.url}/mcp/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      // A 2026-07-28 upstream: its SDK sends an update only to listeners naming the URI, so the gateway
      // must have subscribed again upstream, not only remembered the subscription.
      body: JSON.stringify({ name: 'cat', command: process.execPath, args: [CATALOG_SERVER] }),
    });
    expect(register.status).to.equal(200);
    await connected(first.url, 'cat');
    // A client that keeps reconnecting its GET stream while the gateway is down (the default gives up after 2).
    const transport = new StreamableHTTPClientTransport(new URL(`${first.url}/mcp?username=alice`), {
      requestInit: { headers: { authorization: `Bearer ${ADMIN}` } },
      reconnectionOptions: {
        initialReconnectionDelay: 100,
        maxReconnectionDelay: 250,
        reconnectionDelayGrowFactor: 1.5,
        maxRetries: 200,
      },
    });
    client = new Client({ name: 'restart-subscriber', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    const sessionId = transport.sessionId as string;
    suiteCanaries.add(sessionId);
    const received = updates(client);
    const touch = (n: number) =>
      client!.callTool({ name: 'cat__touch', arguments: { uri: `mem://item/${n}` } });

    await client.subscribeResource({ uri: ITEM(2) });
    await client.subscribeResource({ uri: ITEM(4) });
    const first2 = received.arrival(ITEM(2), 10_000);
    await touch(2);
    // The GET stream carried an event: the client resumes it with Last-Event-ID after the restart.
    expect(await first2).to.equal(true);

    await stop();
    const second = await start(new URL(first.url).port);
    await connected(second.url, 'cat');

    // Touch until the client's stream is back (it reconnects on its own schedule); one update is enough.
    let renewed = false;
    for (let i = 0; i < 40 && !renewed; i++) {
      const arrived = received.arrival(ITEM(2), 500);
      await touch(2);
      renewed = await arrived;
    }
    expect(renewed, 'resources/updated after the restart').to.equal(true);
    expect(transport.sessionId).to.equal(sessionId);
    expect(second.output.some((l) => l.includes('mcp session restored'))).to.equal(true);

    // Unsubscribing a renewed subscription ends it: of the touches after it, only the new one arrives.
    await client.unsubscribeResource({ uri: ITEM(4) });
    await client.subscribeResource({ uri: ITEM(6) });
    const since = received.seen.length;
    const sixth = received.arrival(ITEM(6), 10_000);
    await touch(4);
    await touch(6);
    expect(await sixth).to.equal(true);
    expect(received.seen.slice(since)).to.not.include(ITEM(4));
    for (const line of first.output.concat(second.output)) expect(line).to.not.contain(sessionId);
  });
});
