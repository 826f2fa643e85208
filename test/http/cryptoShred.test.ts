import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileDataKeyStore } from '../../src/crypto/fileDataKeyStore.js';
import { SecretDecryptError } from '../../src/crypto/secretBox.js';
import { openUserSecretBox, type UserSecretBox } from '../../src/crypto/userSecretBox.js';
import type { SecretSetData } from '../../src/events/secretEvents.js';
import {
  fixtureServer,
  startTestGateway,
  testMasterKeys,
  waitForStatus,
  type TestGateway,
} from '../support/testGateway.js';

describe('DELETE /users/:username (crypto-shredding)', () => {
  let dataDir: string;
  let gw: TestGateway | undefined;
  let running: UserSecretBox;
  const openBox = (): Promise<UserSecretBox> =>
    openUserSecretBox({ masterKeys: testMasterKeys(), store: fileDataKeyStore(join(dataDir, 'keys')) });
  const start = async (): Promise<TestGateway> => {
    running = await openBox();
    return (gw = await startTestGateway({ dataDir, secretBox: running }));
  };
  const echo = async (username: string, name: string): Promise<string> => {
    const res = await gw!.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'fx',
      methodName: 'echo_secret',
      args: { name },
    });
    expect(res.status, res.text).to.equal(200);
    return (res.body.data as { content: Array<{ text: string }> }).content[0]!.text;
  };
  const sealedOf = async (username: string): Promise<SecretSetData[]> =>
    (await gw!.store.readAll(1))
      .filter((e) => e.type === 'SecretSet' && e.data.username === username)
      .map((e) => e.data as unknown as SecretSetData);

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-shred-'));
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'makes every ciphertext alice stored undecryptable, keeps bob working, ' +
      'and survives a rebuild and a restart',
    async () => {
      await start();
      await gw!.request('POST', '/mcp/servers', fixtureServer('fx'));
      await waitForStatus(gw!, 'fx', ['connected']);
      for (const [user, value] of [
        ['alice', 'alice-shred-one'],
        ['bob', 'bob-keeps-this'],
      ]) {
        await gw!.request('POST', '/secrets/set', {
          username: user,
          serverName: 'fx',
          secretName: 'K',
          secretValue: value,
        });
      }
      await gw!.request('POST', '/secrets/set', {
        username: 'alice',
        serverName: 'fx',
        secretName: 'K',
        secretValue: 'alice-shred-two',
      });
      const aliceToken = (await gw!.issueToken('alice')).token;
      expect(await echo('alice', 'K')).to.equal('alice-shred-two');
      const aliceRecords = await sealedOf('alice');
      expect(aliceRecords).to.have.length(2);
      expect(await readdir(join(dataDir, 'keys'))).to.have.length(2);

      const res = await gw!.request('DELETE', '/users/alice');
      expect(res.body).to.deep.equal({
        success: true,
        username: 'alice',
        dataKeysDestroyed: 1,
        secretsRemoved: 1,
        tokensRevoked: 1,
      });
      expect(await readdir(join(dataDir, 'keys'))).to.have.length(1);
      expect((await gw!.request('GET', '/mcp/tools', undefined, { token: aliceToken })).status).to.equal(401);

      // Every ciphertext alice ever stored, still in the immutable log, no longer opens: not with
      // the running box, not with a box freshly loaded from the key store.
      const fresh = await openBox();
      for (const { sealed, serverName, secretName } of aliceRecords) {
        for (const box of [running, fresh]) {
          expect(() => box.open(sealed, { username: 'alice', serverName, secretName })).to.throw(
            SecretDecryptError,
          );
        }
      }
      expect(await echo('alice', 'K')).to.equal('undefined');
      expect(await echo('bob', 'K')).to.equal('bob-keeps-this');

      await gw!.gateway.projector.rebuild();
      expect(
        gw!.gateway.projector.readModels.secrets
          .get(gw!.gateway.projector.readModels.servers.get('fx')!.serverId)
          ?.has('alice'),
      ).to.equal(false);
      expect(await echo('bob', 'K')).to.equal('bob-keeps-this');

      await gw!.stop();
      await start();
      await waitForStatus(gw!, 'fx', ['connected']);
      expect(await echo('bob', 'K')).to.equal('bob-keeps-this');
      expect(await echo('alice', 'K')).to.equal('undefined');
    },
  );

  it('lets a deleted username start over with a new key, without reviving anything old', async () => {
    await start();
    await gw!.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw!, 'fx', ['connected']);
    await gw!.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'fx',
      secretName: 'OLD',
      secretValue: 'alice-old-value',
    });
    const [old] = await sealedOf('alice');
    await gw!.request('DELETE', '/users/alice');
    await gw!.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'fx',
      secretName: 'NEW',
      secretValue: 'alice-new-value',
    });
    expect(await echo('alice', 'NEW')).to.equal('alice-new-value');
    expect(await echo('alice', 'OLD')).to.equal('undefined');
    for (const box of [running, await openBox()]) {
      expect(() =>
        box.open(old!.sealed, { username: 'alice', serverName: 'fx', secretName: 'OLD' }),
      ).to.throw(SecretDecryptError);
    }
    // Deleting a user with nothing stored is recorded and answers 200 too.
    expect((await gw!.request('DELETE', '/users/nobody')).body).to.include({
      success: true,
      dataKeysDestroyed: 0,
    });
  });
});
