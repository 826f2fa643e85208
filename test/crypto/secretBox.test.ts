import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  createSecretBox,
  deriveKey,
  SecretDecryptError,
  type SecretContext,
} from '../../src/crypto/secretBox.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const key1 = randomBytes(32);
const key2 = randomBytes(32);
const context: SecretContext = { username: 'ann', serverName: 'alpha', secretName: 'API_KEY' };
const PLAINTEXT = 'sk-live-4b1d-canary-ünïcødé';

/** Flips one bit of a base64 field, keeping its length. */
function flip(base64: string, byte = 0): string {
  const buf = Buffer.from(base64, 'base64');
  buf[byte] = (buf[byte] ?? 0) ^ 0x01;
  return buf.toString('base64');
}

function openError(open: () => string): SecretDecryptError {
  let caught: unknown;
  try {
    open();
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(SecretDecryptError);
  return caught as SecretDecryptError;
}

describe('secretBox', () => {
  it('opens what it sealed (round trip, including non-ASCII and the empty string)', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    expect(box.open(box.seal(PLAINTEXT, context), context)).to.equal(PLAINTEXT);
    expect(box.open(box.seal('', context), context)).to.equal('');
  });

  it('never puts the plaintext in the sealed record', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    const sealed = box.seal(PLAINTEXT, context);
    expect(JSON.stringify(sealed)).to.not.contain('canary');
    expect(Buffer.from(sealed.data, 'base64').toString('utf8')).to.not.contain('canary');
  });

  for (const field of ['username', 'serverName', 'secretName'] as const) {
    it(`refuses a ciphertext opened with another ${field} (SecretDecryptError)`, () => {
      const box = createSecretBox(new Map([[1, key1]]));
      const sealed = box.seal(PLAINTEXT, context);
      const error = openError(() => box.open(sealed, { ...context, [field]: `${context[field]}2` }));
      expect(error.message).to.not.contain('canary');
    });
  }

  it('binds the context unambiguously: shifting characters between fields does not open', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    const sealed = box.seal(PLAINTEXT, { username: 'ann', serverName: 'a.b', secretName: 'K' });
    openError(() => box.open(sealed, { username: 'ann', serverName: 'a', secretName: '.bK' }));
  });

  it('refuses tampered data or tag (SecretDecryptError)', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    const sealed = box.seal(PLAINTEXT, context);
    openError(() => box.open({ ...sealed, data: flip(sealed.data, 3) }, context));
    openError(() => box.open({ ...sealed, tag: flip(sealed.tag, 15) }, context));
    openError(() => box.open({ ...sealed, iv: flip(sealed.iv) }, context));
  });

  it('refuses a malformed record (short iv or tag) clearly', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    const sealed = box.seal(PLAINTEXT, context);
    expect(
      openError(() => box.open({ ...sealed, iv: Buffer.alloc(8).toString('base64') }, context)).message,
    ).to.contain('malformed');
    expect(
      openError(() => box.open({ ...sealed, tag: Buffer.alloc(4).toString('base64') }, context)).message,
    ).to.contain('malformed');
  });

  it('seals the same value differently each time (random 12-byte IV, 16-byte tag)', () => {
    const box = createSecretBox(new Map([[1, key1]]));
    const a = box.seal(PLAINTEXT, context);
    const b = box.seal(PLAINTEXT, context);
    expect(Buffer.from(a.iv, 'base64')).to.have.length(12);
    expect(Buffer.from(a.tag, 'base64')).to.have.length(16);
    expect(a.iv).to.not.equal(b.iv);
    expect(a.data).to.not.equal(b.data);
  });

  describe('key versions', () => {
    it('seals with version 1 when only version 1 is configured', () => {
      const box = createSecretBox(new Map([[1, key1]]));
      expect(box.currentVersion).to.equal(1);
      expect(box.seal(PLAINTEXT, context).keyVersion).to.equal(1);
    });

    it('seals with the highest version and still opens records of older versions', () => {
      const old = createSecretBox(new Map([[1, key1]]));
      const oldRecord = old.seal(PLAINTEXT, context);
      const rotated = createSecretBox(
        new Map([
          [1, key1],
          [2, key2],
        ]),
      );
      expect(rotated.currentVersion).to.equal(2);
      expect(rotated.versions).to.deep.equal([2, 1]);
      const newRecord = rotated.seal(PLAINTEXT, context);
      expect(newRecord.keyVersion).to.equal(2);
      expect(rotated.open(oldRecord, context)).to.equal(PLAINTEXT);
      expect(rotated.open(newRecord, context)).to.equal(PLAINTEXT);
    });

    it("fails clearly when the record's key version is not configured", () => {
      const old = createSecretBox(new Map([[1, key1]])).seal(PLAINTEXT, context);
      const box = createSecretBox(new Map([[2, key2]]));
      expect(openError(() => box.open(old, context)).message).to.contain('unknown key version 1');
    });

    it('refuses a record whose keyVersion label was changed to another configured version', () => {
      const box = createSecretBox(
        new Map([
          [1, key1],
          [2, key2],
        ]),
      );
      const sealed: Sealed = box.seal(PLAINTEXT, context);
      openError(() => box.open({ ...sealed, keyVersion: 1 }, context));
    });

    it('refuses a key set that is empty or has a key that is not 32 bytes', () => {
      expect(() => createSecretBox(new Map())).to.throw(/At least one secrets key/);
      expect(() => createSecretBox(new Map([[3, randomBytes(16)]]))).to.throw(/version 3 is not 32 bytes/);
    });
  });

  describe('deriveKey', () => {
    it('is deterministic per (material, version), 32 bytes, and differs across versions', function () {
      this.timeout(60_000);
      const material = 'correct horse battery staple, but longer';
      const a = deriveKey(material, 1);
      expect(a).to.have.length(32);
      expect(deriveKey(material, 1).equals(a)).to.equal(true);
      expect(deriveKey(material, 2).equals(a)).to.equal(false);
    });
  });
});
