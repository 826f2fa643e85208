import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { memoryDataKeyStore, type DataKeyStore } from '../../src/crypto/dataKeyStore.js';
import { createSecretBox, SecretDecryptError, type SecretContext } from '../../src/crypto/secretBox.js';
import { createUserSecretBox, openUserSecretBox } from '../../src/crypto/userSecretBox.js';
import { createLogger } from '../../src/logger.js';

const m1 = randomBytes(32);
const m2 = randomBytes(32);
const ann: SecretContext = { username: 'ann', serverName: 'alpha', secretName: 'API_KEY' };
const bob: SecretContext = { ...ann, username: 'bob' };
const PLAINTEXT = 'sk-live-canary-ünïcødé';

/** A store without putSync, like a database adapter. */
const asyncOnly = (): DataKeyStore => {
  const { putSync: _none, ...rest } = memoryDataKeyStore();
  return rest;
};

describe('userSecretBox (per-user data keys)', () => {
  it("seals with the user's data key for the current version and opens it again", async () => {
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store: memoryDataKeyStore() });
    await box.prepare('ann');
    const sealed = box.seal(PLAINTEXT, ann);
    expect(sealed.keyVersion).to.equal(1);
    expect(sealed.dataKeyId).to.be.a('string');
    expect(box.open(sealed, ann)).to.equal(PLAINTEXT);
    expect(JSON.stringify(sealed)).to.not.contain('canary');
  });

  it('gives each user a different data key, and binds each ciphertext to its context', async () => {
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store: memoryDataKeyStore() });
    await box.prepare('ann');
    await box.prepare('bob');
    const a = box.seal(PLAINTEXT, ann);
    const b = box.seal(PLAINTEXT, bob);
    expect(a.dataKeyId).to.not.equal(b.dataKeyId);
    expect(() => box.open(a, bob)).to.throw(SecretDecryptError);
    expect(() => box.open({ ...a, dataKeyId: b.dataKeyId }, bob)).to.throw(SecretDecryptError);
    expect(() => box.open(a, { ...ann, secretName: 'OTHER' })).to.throw(SecretDecryptError);
    expect(() => box.open(a, { ...ann, serverName: 'beta' })).to.throw(SecretDecryptError);
  });

  it('stores data keys only wrapped, and a reopened box (same master keys) opens old ciphertexts', async () => {
    const store = memoryDataKeyStore();
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    await box.prepare('ann');
    const sealed = box.seal(PLAINTEXT, ann);
    const [wrapped] = (await store.loadAll()).get('ann')!;
    expect(wrapped!.id).to.equal(sealed.dataKeyId);
    expect(Buffer.from(wrapped!.data, 'base64')).to.have.length(32);
    const again = await openUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    expect(again.open(sealed, ann)).to.equal(PLAINTEXT);
    const wrongMaster = await openUserSecretBox({ masterKeys: new Map([[1, m2]]), store });
    expect(() => wrongMaster.open(sealed, ann)).to.throw(SecretDecryptError);
  });

  it('prepare() is idempotent and concurrent calls create one key', async () => {
    const store = memoryDataKeyStore();
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    await Promise.all([box.prepare('ann'), box.prepare('ann'), box.prepare('ann')]);
    await box.prepare('ann');
    expect((await store.loadAll()).get('ann')).to.have.length(1);
  });

  it('creates a missing key inside seal() when the store can write synchronously, and refuses when it cannot', () => {
    const syncBox = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store: memoryDataKeyStore() });
    expect(syncBox.open(syncBox.seal(PLAINTEXT, ann), ann)).to.equal(PLAINTEXT);
    const asyncBox = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store: asyncOnly() });
    expect(() => asyncBox.seal(PLAINTEXT, ann)).to.throw(/await secretBox.prepare/);
  });

  it('opens records from before data keys (sealed with the master key directly)', () => {
    const legacy = createSecretBox(new Map([[1, m1]])).seal(PLAINTEXT, ann);
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store: memoryDataKeyStore() });
    expect(legacy.dataKeyId).to.equal(undefined);
    expect(box.open(legacy, ann)).to.equal(PLAINTEXT);
  });

  it(
    'rotates: version 2 seals with a new data key, ' +
      'version 1 records still open, and not once version 1 is gone',
    async () => {
      const store = memoryDataKeyStore();
      const before = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
      await before.prepare('ann');
      const old = before.seal(PLAINTEXT, ann);
      const rotated = await openUserSecretBox({
        masterKeys: new Map([
          [1, m1],
          [2, m2],
        ]),
        store,
      });
      await rotated.prepare('ann');
      const fresh = rotated.seal(PLAINTEXT, ann);
      expect(fresh.keyVersion).to.equal(2);
      expect(fresh.dataKeyId).to.not.equal(old.dataKeyId);
      expect(rotated.open(old, ann)).to.equal(PLAINTEXT);
      expect(() => rotated.open({ ...old, keyVersion: 2 }, ann)).to.throw(SecretDecryptError);
      const retired = await openUserSecretBox({ masterKeys: new Map([[2, m2]]), store });
      expect(retired.open(fresh, ann)).to.equal(PLAINTEXT);
      expect(() => retired.open(old, ann)).to.throw(SecretDecryptError);
      expect(
        (await store.loadAll()).get('ann'),
        'keys of a retired version are kept, not dropped',
      ).to.have.length(2);
    },
  );

  it('warns about data keys that do not open with their configured version, and only notes retired ones', async () => {
    const store = memoryDataKeyStore();
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    await box.prepare('ann');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    await openUserSecretBox({ masterKeys: new Map([[2, m2]]), store, logger });
    expect(lines.join('\n')).to.contain('no longer configured').and.not.contain('"warn"');
    lines.length = 0;
    await openUserSecretBox({ masterKeys: new Map([[1, m2]]), store, logger });
    expect(lines.join('\n')).to.contain('"warn"').and.contain('do not open');
  });

  it("destroys a user's keys (crypto-shredding): their ciphertexts stop opening, others do not", async () => {
    const store = memoryDataKeyStore();
    const box = createUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    await box.prepare('ann');
    await box.prepare('bob');
    const a = box.seal(PLAINTEXT, ann);
    const b = box.seal(PLAINTEXT, bob);
    expect(await box.destroy('ann')).to.equal(1);
    expect(() => box.open(a, ann)).to.throw(SecretDecryptError, /does not exist/);
    expect(box.open(b, bob)).to.equal(PLAINTEXT);
    const reopened = await openUserSecretBox({ masterKeys: new Map([[1, m1]]), store });
    expect(() => reopened.open(a, ann)).to.throw(SecretDecryptError);
    await box.prepare('ann');
    expect(() => box.open(a, ann), 'a new key for the same name opens nothing old').to.throw(
      SecretDecryptError,
    );
    expect(await box.destroy('nobody')).to.equal(0);
  });
});
