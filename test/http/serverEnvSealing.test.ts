import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleCommand } from '../../src/commands/commandHandler.js';
import { serverDecider } from '../../src/commands/serverDecider.js';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { createFileSnapshotStore } from '../../src/events/fileSnapshotStore.js';
import { serverStreamId } from '../../src/events/serverEvents.js';
import { FIXTURE_SERVER } from '../runtime/processTestUtils.js';
import { call } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const TOKEN = 'CANARY-ENV-TOKEN-b41c7e09';
const SHAPED = 'ghp_CANARYenvShaped0123456789abcdef';

describe('server env values that look like credentials', function () {
  this.timeout(60_000);
  let dataDir: string;
  let gw: TestGateway;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-env-sealing-'));
    const events = await openFileEventStore({ dir: join(dataDir, 'events') });
    gw = await startTestGateway({
      dataDir,
      checkpointIntervalMs: 50,
      storage: {
        events,
        snapshots: createFileSnapshotStore(join(dataDir, 'projections')),
        close: () => events.close(),
      },
    });
  });
  after(async () => {
    await gw.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const envOfProcess = async (server: string): Promise<Record<string, string>> =>
    JSON.parse((await call(gw, server, 'get_env')).output ?? '{}') as Record<string, string>;

  it('are sealed in events and snapshots, [redacted] in views, and reach the process in clear', async () => {
    const res = await gw.request('POST', '/mcp/servers', {
      name: 'sealed-env',
      command: process.execPath,
      args: [FIXTURE_SERVER],
      env: { GITHUB_TOKEN: TOKEN, SETTING: SHAPED, MODE: 'fast' },
    });
    expect(res.status, res.text).to.equal(200);
    const view = await waitForStatus(gw, 'sealed-env', ['connected']);
    expect(view.env).to.deep.equal({ GITHUB_TOKEN: '[redacted]', SETTING: '[redacted]', MODE: 'fast' });
    expect(res.text).to.not.contain(TOKEN).and.not.contain(SHAPED);
    const env = await envOfProcess('sealed-env');
    expect(env).to.include({ GITHUB_TOKEN: TOKEN, SETTING: SHAPED, MODE: 'fast' });

    // A checkpoint is written every 50 ms: wait for one that includes the server.
    const snapshotPath = join(dataDir, 'projections', 'read-models.json');
    for (let i = 0; i < 100; i++) {
      if ((await readFile(snapshotPath, 'utf8').catch(() => '')).includes('sealed-env')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const written = [
      await readFile(join(dataDir, 'events', 'events.log'), 'utf8'),
      await readFile(snapshotPath, 'utf8'),
      gw.logs.join('\n'),
      (await gw.request('GET', '/mcp/servers')).text,
      (await gw.request('GET', '/events')).text,
    ].join('\n');
    expect(written).to.contain('sealed-env').and.not.contain(TOKEN).and.not.contain(SHAPED);
  });

  it('PUT with the redacted view changes nothing: same ciphertext, no restart', async () => {
    const before = await waitForStatus(gw, 'sealed-env', ['connected']);
    /** Every sealedEnv the server's stream ever recorded, as JSON. */
    const sealedEnvs = async (): Promise<string[]> =>
      (await gw.store.readAll(0))
        .filter((e) => e.streamId === serverStreamId('sealed-env'))
        .map((e) => JSON.stringify(e.data).match(/"sealedEnv":(\{.*?\}\}+)/)?.[1])
        .filter((s): s is string => s !== undefined);
    const [first] = await sealedEnvs();
    expect(first).to.be.a('string');
    const res = await gw.request('PUT', '/mcp/servers/sealed-env', { env: before.env });
    expect(res.status, res.text).to.equal(200);
    const after = await waitForStatus(gw, 'sealed-env', ['connected']);
    expect(after.pid).to.equal(before.pid);
    expect(new Set(await sealedEnvs())).to.deep.equal(new Set([first]));
    expect(await envOfProcess('sealed-env')).to.include({ GITHUB_TOKEN: TOKEN, SETTING: SHAPED });
  });

  it(
    'migration: a server an older gateway registered with clear credentials ' +
      'still runs; views redact them',
    async () => {
      const legacy = 'CANARY-LEGACY-CLEAR-9a0e';
      const config = {
        transport: {
          transportType: 'stdio' as const,
          command: process.execPath,
          args: [FIXTURE_SERVER],
          env: { API_KEY: legacy },
        },
        timeout: 10_000,
        startupTimeout: 10_000,
      };
      const command = {
        type: 'RegisterServer' as const,
        data: { serverId: randomUUID(), name: 'legacy-env', config, enabled: true },
      };
      await handleCommand(gw.store, serverStreamId('legacy-env'), serverDecider, command, {
        now: new Date(),
        newId: randomUUID,
      });
      const view = await waitForStatus(gw, 'legacy-env', ['connected']);
      expect(view.env).to.deep.equal({ API_KEY: '[redacted]' });
      expect((await envOfProcess('legacy-env')).API_KEY).to.equal(legacy);
      // Sent back redacted, the clear value is sealed from now on.
      await gw.request('PUT', '/mcp/servers/legacy-env', { env: view.env });
      const events = await gw.store.readAll(0);
      const last = events.filter((e) => e.streamId === serverStreamId('legacy-env')).at(-1);
      expect(JSON.stringify(last?.data)).to.contain('sealedEnv').and.not.contain(legacy);
      await waitForStatus(gw, 'legacy-env', ['connected']);
      expect((await envOfProcess('legacy-env')).API_KEY).to.equal(legacy);
    },
  );
});
