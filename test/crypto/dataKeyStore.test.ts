import { expect } from 'chai';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryDataKeyStore, type DataKeyStore, type WrappedDataKey } from '../../src/crypto/dataKeyStore.js';
import { fileDataKeyStore } from '../../src/crypto/fileDataKeyStore.js';

const key = (id: string, masterVersion = 1): WrappedDataKey => ({
  id,
  masterVersion,
  iv: 'aXY=',
  tag: 'dGFn',
  data: 'ZGF0YQ==',
  createdAt: '2030-01-01T00:00:00.000Z',
});

/** The contract every data-key store adapter meets. */
function contract(
  name: string,
  open: () => Promise<{ store: DataKeyStore; reopen: () => DataKeyStore; cleanup: () => Promise<void> }>,
): void {
  describe(`DataKeyStore contract: ${name}`, () => {
    let env: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => {
      env = await open();
    });
    afterEach(async () => {
      await env.cleanup();
    });

    it('starts empty and returns what was put, per user, across a reopen', async () => {
      expect((await env.store.loadAll()).size).to.equal(0);
      await env.store.put('ann', [key('k1')]);
      await env.store.put('ann', [key('k1'), key('k2', 2)]);
      await env.store.put('Ann', [key('k3')]);
      const loaded = await env.reopen().loadAll();
      expect(loaded.get('ann')).to.deep.equal([key('k1'), key('k2', 2)]);
      expect(loaded.get('Ann'), 'usernames differing in case stay apart').to.deep.equal([key('k3')]);
    });

    it('removes a user for good and says how many keys there were; removing again is 0', async () => {
      await env.store.put('ann', [key('k1'), key('k2')]);
      await env.store.put('bob', [key('k3')]);
      expect(await env.store.remove('ann')).to.equal(2);
      expect(await env.store.remove('ann')).to.equal(0);
      const loaded = await env.reopen().loadAll();
      expect([...loaded.keys()]).to.deep.equal(['bob']);
    });

    it('writes synchronously when it offers putSync', async () => {
      if (!env.store.putSync) return;
      env.store.putSync('cy', [key('k9')]);
      expect((await env.reopen().loadAll()).get('cy')).to.deep.equal([key('k9')]);
    });
  });
}

contract('memory', async () => {
  const store = memoryDataKeyStore();
  return { store, reopen: () => store, cleanup: async () => undefined };
});

contract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-api-keys-'));
  return {
    store: fileDataKeyStore(join(dir, 'keys')),
    reopen: () => fileDataKeyStore(join(dir, 'keys')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('fileDataKeyStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-api-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps owner-only permissions and names files by a hash, not the username', async () => {
    const store = fileDataKeyStore(join(dir, 'keys'));
    await store.put('alice@example.com', [key('k1')]);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).to.equal(0o700);
    const [file] = await readdir(join(dir, 'keys'));
    expect(file).to.match(/^[0-9a-f]{64}\.json$/);
    expect((await stat(join(dir, 'keys', file!))).mode & 0o777).to.equal(0o600);
  });

  it('drops a temp file left by an interrupted write, and refuses to start on a damaged key file', async () => {
    const store = fileDataKeyStore(join(dir, 'keys'));
    await store.put('ann', [key('k1')]);
    await writeFile(join(dir, 'keys', 'x.json.1.abc.tmp'), '{"half');
    expect((await store.loadAll()).get('ann')).to.deep.equal([key('k1')]);
    expect(await readdir(join(dir, 'keys'))).to.have.length(1);
    await writeFile(join(dir, 'keys', `${'0'.repeat(64)}.json`), '{"username":"bob","keys":[{"id":1}]}');
    let error: unknown;
    await store.loadAll().catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('damaged');
  });
});
