import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fileDataKeyStore } from '../../src/crypto/fileDataKeyStore.js';
import { createUserSecretBox } from '../../src/crypto/userSecretBox.js';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { checkFileLog } from '../../src/events/fileLogCheck.js';
import { createFileSnapshotStore } from '../../src/events/fileSnapshotStore.js';
import { fixtureServer, startTestGateway, testMasterKeys, type TestGateway } from '../support/testGateway.js';
import { newEvent } from './eventStoreContract.js';

/** Writes zeros into `path` until the file system says it is full. */
async function fill(path: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (;;) await handle.write(Buffer.alloc(16 * 1024));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await handle.close();
  }
}

describe('a full disk under the file store (2 MiB tmpfs)', function () {
  this.timeout(60_000);
  let mountPoint: string;
  let gw: TestGateway | undefined;

  before(async function () {
    mountPoint = await mkdtemp(join(tmpdir(), 'disk-full-'));
    if (
      process.getuid?.() !== 0 ||
      spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]).status !== 0
    ) {
      await rmdir(mountPoint);
      this.skip();
    }
  });
  after(async () => {
    if (!mountPoint) return;
    spawnSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    for (const name of await readdir(mountPoint))
      await rm(join(mountPoint, name), { recursive: true, force: true });
  });

  it(
    'fails appends with 507 storage_full, leaves no partial record, ' +
      'and recovers by itself when space returns',
    async () => {
      const dir = join(mountPoint, 'events');
      const store = await openFileEventStore({ dir });
      await store.append('a', [newEvent('Before')], 0);
      await fill(join(mountPoint, 'filler'));
      const big = { blob: 'x'.repeat(64 * 1024) };
      const failures = await Promise.allSettled([
        store.append('a', [newEvent('Big', big)], 1),
        store.append('b', [newEvent('Big', big)], 0),
      ]);
      for (const failure of failures) expect(failure).to.have.nested.property('reason.code', 'storage_full');
      expect(failure(await store.append('c', [newEvent('Small')], 0).catch((e: unknown) => e))).to.equal(507);
      expect(store.health()).to.include({ writable: false });

      await rm(join(mountPoint, 'filler'));
      for (let i = 0; i < 100 && !store.health().writable; i++) await new Promise((r) => setTimeout(r, 50));
      expect(store.health()).to.include({ writable: true });
      expect(await store.append('a', [newEvent('After')], 1)).to.deep.equal({
        nextVersion: 2,
        lastPosition: 2,
      });
      await store.close();
      expect(await checkFileLog(dir)).to.include({ ok: true, records: 2 });
    },
  );

  it(
    'answers 507 (never 500) over HTTP, reports not ready meanwhile, ' +
      'and serves again once space is freed',
    async () => {
      const dataDir = join(mountPoint, 'data');
      const projections = join(dataDir, 'projections');
      await mkdir(projections, { recursive: true });
      // A snapshot save cut short by a full disk in an earlier run: it must not keep the space.
      await writeFile(join(projections, 'read-models.json.999.tmp'), Buffer.alloc(256 * 1024));
      const secretBox = createUserSecretBox({
        masterKeys: testMasterKeys(),
        store: fileDataKeyStore(join(dataDir, 'keys')),
      });
      const events = await openFileEventStore({ dir: join(dataDir, 'events') });
      const storage = {
        events,
        snapshots: createFileSnapshotStore(projections),
        close: () => events.close(),
      };
      gw = await startTestGateway({ dataDir, secretBox, storage });
      expect(await readdir(projections)).to.not.include('read-models.json.999.tmp');
      expect(
        (await gw.request('POST', '/mcp/servers', fixtureServer('fx', { enabled: false }))).status,
      ).to.equal(200);

      await fill(join(mountPoint, 'filler'));
      const secret = {
        username: 'newcomer',
        serverName: 'fx',
        secretName: 'KEY',
        secretValue: 'v'.repeat(60_000),
      };
      const first = await gw.request('POST', '/secrets/set', secret);
      expect(first.status).to.equal(507);
      expect(first.body).to.include({ code: 'storage_full' });
      const register = await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('other', { enabled: false, env: { BIG: 'd'.repeat(30_000) } }),
      );
      expect(register.status).to.equal(507);
      const notReady = await gw.request('GET', '/readyz');
      expect(notReady.status).to.equal(503);
      expect(notReady.text).to.contain('not writable');

      await rm(join(mountPoint, 'filler'));
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await gw.request('GET', '/readyz')).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).to.equal(200);
      expect((await gw.request('POST', '/secrets/set', secret)).status).to.equal(200);
      await gw.stop();
      gw = undefined;
      expect(await checkFileLog(join(dataDir, 'events'))).to.include({ ok: true });
    },
  );
});

function failure(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}
