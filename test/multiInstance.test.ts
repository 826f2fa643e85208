import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import type { RecordedEvent } from '../src/events/eventStore.js';
import { openMongoEventStore } from '../src/events/mongoEventStore.js';
import { startMongoTarget, testDbName, type MongoTestTarget } from './support/mongoTestStore.js';
import { startMongoInstance as startInstance } from './support/gatewayInstance.js';
import { fixtureServer, waitForStatus, type TestGateway } from './support/testGateway.js';

async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('several gateway instances on one MongoDB store', () => {
  let target: MongoTestTarget;
  let dbName: string;
  let a: TestGateway;
  let b: TestGateway;

  beforeEach(async () => {
    target = await startMongoTarget();
    dbName = testDbName();
    a = await startInstance(target, dbName);
    b = await startInstance(target, dbName);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await target.close();
  });

  it('shows a write on A in B within a second, and each instance supervises its own process', async () => {
    const created = await a.request('POST', '/mcp/servers', fixtureServer('shared'));
    expect(created.status).to.equal(200);
    // Read-your-writes on A: its answer already includes the new server.
    expect((created.body.server as { name: string }).name).to.equal('shared');
    const seenOnB = await within(1000, 'B to list the server registered on A', async () => {
      const res = await b.request('GET', '/mcp/servers/shared');
      return res.status === 200 ? res.body.server : undefined;
    });
    expect(seenOnB).to.include({ name: 'shared', enabled: true });
    const onA = await waitForStatus(a, 'shared', ['connected']);
    const onB = await waitForStatus(b, 'shared', ['connected']);
    expect(onA.pid).to.be.a('number');
    expect(onB.pid).to.be.a('number').and.not.equal(onA.pid);

    // A secret stored through B is injected into A's tool calls.
    expect(
      (
        await b.request('POST', '/secrets/set', {
          username: 'ann',
          serverName: 'shared',
          secretName: 'K',
          secretValue: 'from-b',
        })
      ).status,
    ).to.equal(200);
    const value = await within(1000, "A to apply B's secret", async () => {
      const res = await a.request('POST', '/mcp/tool/call', {
        username: 'ann',
        serverName: 'shared',
        methodName: 'echo_secret',
        args: { name: 'K' },
      });
      const text = (res.body.data as { content?: Array<{ text: string }> } | undefined)?.content?.[0]?.text;
      return text === 'from-b' ? text : undefined;
    });
    expect(value).to.equal('from-b');

    await b.request('PUT', '/mcp/servers/shared/disable');
    await within(1000, 'A to stop its process after a disable on B', async () => {
      const res = await a.request('GET', '/mcp/servers/shared');
      const server = res.body.server as { enabled: boolean; status: string };
      return !server.enabled && server.status === 'disconnected' ? true : undefined;
    });
  });

  it('loses and duplicates nothing when both instances write at once, and a tailing reader skips nothing', async () => {
    const client = new MongoClient(target.url);
    await client.connect();
    const reader = await openMongoEventStore({ db: client.db(dbName), pollMs: 5 });
    const seen: RecordedEvent[] = [];
    reader.subscribe((e) => seen.push(e));
    try {
      await a.request('POST', '/mcp/servers', fixtureServer('hub', { enabled: false }));
      await within(1000, 'B to see hub', async () =>
        (await b.request('GET', '/mcp/servers/hub')).status === 200 ? true : undefined,
      );
      const registrations = [];
      const secretWrites = [];
      for (let i = 0; i < 12; i++) {
        const gw = i % 2 === 0 ? a : b;
        registrations.push(gw.request('POST', '/mcp/servers', fixtureServer(`srv-${i}`, { enabled: false })));
        // Same user and server from both instances: one stream, so these race on its version.
        secretWrites.push(
          gw.request('POST', '/secrets/set', {
            username: 'ann',
            serverName: 'hub',
            secretName: `S${i}`,
            secretValue: `v${i}`,
          }),
        );
      }
      expect((await Promise.all(registrations)).map((r) => r.status)).to.deep.equal(
        registrations.map(() => 200),
      );
      // A write that loses the race more often than the command handler retries is told so (409)
      // and stored nowhere; every acknowledged one is stored exactly once.
      const secretResults = await Promise.all(secretWrites);
      const acknowledged = secretResults.flatMap((r, i) => (r.status === 200 ? [`S${i}`] : []));
      for (const r of secretResults.filter((x) => x.status !== 200))
        expect(r.body.code).to.equal('concurrency_conflict');
      expect(acknowledged.length).to.be.greaterThan(0);

      const log = await reader.readAll(1);
      expect(log.filter((e) => e.type === 'ServerRegistered')).to.have.length(13);
      expect(
        log
          .filter((e) => e.type === 'SecretSet')
          .map((e) => e.data.secretName)
          .sort(),
      ).to.deep.equal(acknowledged.sort());
      expect(new Set(log.map((e) => e.metadata.eventId)).size).to.equal(log.length);
      expect(log.map((e) => e.position)).to.deep.equal(log.map((_, i) => i + 1));
      const secrets = log.filter((e) => e.type === 'SecretSet');
      expect(secrets.map((e) => e.version)).to.deep.equal(secrets.map((_, i) => i + 1));

      await within(1000, 'the tailing reader to see everything', async () =>
        seen.length === log.length ? true : undefined,
      );
      expect(seen.map((e) => e.position)).to.deep.equal(log.map((e) => e.position));
      for (const gw of [a, b]) {
        await within(1000, 'both instances to converge', async () =>
          gw.gateway.projector.checkpoint === log.length ? true : undefined,
        );
        const names = ((await gw.request('GET', '/mcp/servers')).body.servers as Array<{ name: string }>).map(
          (s) => s.name,
        );
        expect(names).to.have.length(13);
      }
    } finally {
      await reader.close();
      await client.close();
    }
  });

  it('opens on B the secrets A sealed with a data key B had never seen, and forgets a user deleted on A', async () => {
    await a.request('POST', '/mcp/servers', fixtureServer('keys'));
    await within(1000, 'B to see the server', async () =>
      (await b.request('GET', '/mcp/servers/keys')).status === 200 ? true : undefined,
    );
    await waitForStatus(b, 'keys', ['connected']);
    const set = await a.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'keys',
      secretName: 'TOKEN',
      secretValue: 'made-on-a-1234',
    });
    expect(set.status).to.equal(200);
    const echo = () =>
      b.request('POST', '/mcp/tool/call', {
        username: 'alice',
        serverName: 'keys',
        methodName: 'echo_secret',
        args: { name: 'TOKEN' },
      });
    // B learns of the secret by polling the log; until then it has nothing to inject. A missing data
    // key would answer 500 secret_undecryptable instead, and this would time out.
    const seen: number[] = [];
    await within(1000, 'B to inject the secret', async () => {
      const res = await echo();
      seen.push(res.status);
      return res.status === 200 &&
        (res.body.data as { content: Array<{ text: string }> }).content[0]!.text === 'made-on-a-1234'
        ? true
        : undefined;
    });
    expect(seen).to.not.include(500);

    // Both instances make bob's first key at once: neither key may be lost.
    await Promise.all([
      a.request('POST', '/secrets/set', {
        username: 'bob',
        serverName: 'keys',
        secretName: 'A',
        secretValue: 'bob-from-a-1234',
      }),
      b.request('POST', '/secrets/set', {
        username: 'bob',
        serverName: 'keys',
        secretName: 'B',
        secretValue: 'bob-from-b-1234',
      }),
    ]);
    const bobArgs = await within(1000, "both of bob's secrets on A", async () => {
      const res = await a.request('POST', '/mcp/tool/call', {
        username: 'bob',
        serverName: 'keys',
        methodName: 'echo_args',
        args: {},
      });
      const text =
        res.status === 200 ? (res.body.data as { content: Array<{ text: string }> }).content[0]!.text : '';
      return text.includes('bob-from-b-1234') ? text : undefined;
    });
    expect(JSON.parse(bobArgs)).to.deep.equal({ A: 'bob-from-a-1234', B: 'bob-from-b-1234' });

    expect((await a.request('DELETE', '/users/alice')).status).to.equal(200);
    await within(1000, "B to stop injecting alice's secret", async () => {
      const res = await echo();
      return res.status === 200 &&
        (res.body.data as { content: Array<{ text: string }> }).content[0]!.text === 'undefined'
        ? true
        : undefined;
    });
  });
});
