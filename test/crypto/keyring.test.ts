import { expect } from 'chai';
import { checkKeys, parseKeyList, weakKeyReason } from '../../src/crypto/keyring.js';

const STRONG = 'Zq8v-Lm3x_Pw7r!Ty2bN9kC4sD6fG1hJ0aE';

describe('keyring', () => {
  describe('weakKeyReason', () => {
    it('refuses an empty or blank key', () => {
      expect(weakKeyReason('')).to.equal('it is empty');
      expect(weakKeyReason('   ')).to.equal('it is empty');
    });

    it('refuses a key shorter than 32 characters', () => {
      expect(weakKeyReason('abcdefghijklmnopqrstuvwxyz01234')).to.equal('it is shorter than 32 characters');
    });

    it('refuses a long key with fewer than 10 distinct characters', () => {
      expect(weakKeyReason('ab'.repeat(30))).to.equal('it has fewer than 10 distinct characters');
      expect(weakKeyReason('123456789'.repeat(4))).to.equal('it has fewer than 10 distinct characters');
    });

    it('accepts a long, varied key', () => {
      expect(weakKeyReason(STRONG)).to.equal(undefined);
      expect(weakKeyReason('0123456789'.repeat(4))).to.equal(undefined);
    });
  });

  describe('parseKeyList', () => {
    it('parses "<version>:<key>" entries in order, trimming blanks and skipping empty entries', () => {
      expect(parseKeyList(' 2:new-key , 1:old-key,')).to.deep.equal([
        { version: 2, material: 'new-key' },
        { version: 1, material: 'old-key' },
      ]);
    });

    it('keeps colons inside the key material', () => {
      expect(parseKeyList('3:a:b:c')).to.deep.equal([{ version: 3, material: 'a:b:c' }]);
    });

    it('returns an empty list for an empty value', () => {
      expect(parseKeyList('')).to.deep.equal([]);
    });

    it('refuses an entry without a colon and never echoes the entry', () => {
      expect(() => parseKeyList('1:ok,secretwithoutversion')).to.throw(
        'SECRETS_KEYS entries must look like "<version>:<key>"',
      );
      try {
        parseKeyList('secretwithoutversion');
      } catch (e) {
        expect((e as Error).message).to.not.contain('secretwithoutversion');
      }
    });

    it('refuses a non-numeric version or an empty key', () => {
      expect(() => parseKeyList('v1:key')).to.throw(/<version>:<key>/);
      expect(() => parseKeyList('1:')).to.throw(/<version>:<key>/);
    });

    it('refuses version 0', () => {
      expect(() => parseKeyList('0:key')).to.throw('SECRETS_KEYS versions start at 1');
    });

    it('refuses a version listed twice, naming it', () => {
      expect(() => parseKeyList('2:a,1:b,2:c')).to.throw('SECRETS_KEYS lists version 2 twice');
    });
  });

  describe('checkKeys', () => {
    it('refuses an empty key list', () => {
      expect(() => checkKeys([])).to.throw('No secrets key configured');
    });

    it('names the version of a weak key with the reason, without the key itself', () => {
      let caught: unknown;
      try {
        checkKeys([
          { version: 2, material: STRONG },
          { version: 7, material: 'weak-canary' },
        ]);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(Error);
      expect((caught as Error).message).to.equal(
        'Secrets key version 7 is refused: it is shorter than 32 characters',
      );
      expect((caught as Error).message).to.not.contain('canary');
    });

    it('accepts strong keys', () => {
      expect(() => checkKeys([{ version: 1, material: STRONG }])).to.not.throw();
    });
  });
});
