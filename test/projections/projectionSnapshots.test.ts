import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { createFileSnapshotStore } from '../../src/events/fileSnapshotStore.js';
import { decodeReadModels, encodeReadModels } from '../../src/projections/readModelCodec.js';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('read model codec', () => {
  it('round-trips nested Maps and keys that look like its own marker', () => {
    const models = {
      servers: new Map([['a', { env: { $map: 'x', $$y: 'z', plain: '1' }, list: [1, { $k: 2 }] }]]),
      secrets: new Map([['id', new Map([['ann', new Map([['K', { keyVersion: 1 }]])]])]]),
    };
    const decoded = decodeReadModels(encodeReadModels(models));
    expect(decoded).to.deep.equal(models);
  });
});

describe('checkpointed projections in the gateway', () => {
  let dataDir: string;
  let gw: TestGateway | undefined;
  const start = async (checkpointIntervalMs?: number): Promise<TestGateway> => {
    const events = await openFileEventStore({ dir: join(dataDir, 'events') });
    gw = await startTestGateway({
      dataDir,
      ...(checkpointIntervalMs ? { checkpointIntervalMs } : {}),
      storage: {
        events,
        snapshots: createFileSnapshotStore(join(dataDir, 'projections')),
        close: () => events.close(),
      },
    });
    return gw;
  };
  const snapshotPath = (): string => join(dataDir, 'projections', 'read-models.json');

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-snapshots-'));
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('restores from the snapshot at start and catches up with events written after it', async () => {
    const first = await start();
    await first.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false }));
    await first.request('POST', '/mcp/servers', fixtureServer('beta', { enabled: false }));
    await first.stop();
    expect(JSON.parse(await readFile(snapshotPath(), 'utf8'))).to.include({ checkpoint: 2 });

    // An event lands while no gateway runs (e.g. written by an import).
    const store = await openFileEventStore({ dir: join(dataDir, 'events') });
    const [registered] = await store.readStream('server-beta');
    await store.append(
      'server-beta',
      [
        {
          type: 'ServerEnabled',
          data: { serverId: registered!.data.serverId, name: 'beta' },
          metadata: { eventId: 'offline-1', occurredAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
        },
      ],
      1,
    );
    await store.close();

    const second = await start();
    expect(second.logs.join('\n')).to.contain('restored read models from the projection snapshot');
    expect(second.gateway.projector.checkpoint).to.equal(3);
    expect(second.gateway.projector.readModels.servers.get('beta')?.enabled).to.equal(true);
    expect([...second.gateway.projector.readModels.servers.keys()].sort()).to.deep.equal(['alpha', 'beta']);
  });

  it('ignores a snapshot that does not belong to this log or to this code, and folds from the start', async () => {
    const first = await start();
    await first.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false }));
    await first.stop();
    const snapshot = JSON.parse(await readFile(snapshotPath(), 'utf8')) as Record<string, unknown>;
    const poisoned = encodeReadModels({ servers: new Map(), secrets: new Map() });

    for (const [change, reason] of [
      [{ eventId: 'from-another-log' }, 'does not match this event log'],
      [{ format: 'read-models/old-code/servers,secrets' }, 'different projection code'],
    ] as const) {
      await writeFile(snapshotPath(), JSON.stringify({ ...snapshot, ...change, body: poisoned }));
      const again = await start();
      expect(again.logs.join('\n')).to.contain(reason);
      expect([...again.gateway.projector.readModels.servers.keys()]).to.deep.equal(['alpha']);
      await again.stop();
      gw = undefined;
    }
  });

  it('saves the checkpoint periodically while running, not only at stop', async () => {
    const running = await start(30);
    await running.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false }));
    for (let i = 0; i < 200; i++) {
      const saved = await readFile(snapshotPath(), 'utf8').then(
        (t) => JSON.parse(t) as { checkpoint: number },
        () => undefined,
      );
      if (saved?.checkpoint === 1) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no snapshot was saved while running');
  });
});
