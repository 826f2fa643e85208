import { expect } from 'chai';
import {
  hashesEqual,
  hashToken,
  newAdminToken,
  newUserToken,
  userTokenId,
} from '../../src/crypto/accessTokens.js';

describe('access tokens', () => {
  it('makes user tokens carrying their public id and 256 random bits', () => {
    const a = newUserToken();
    const b = newUserToken();
    expect(a.token).to.match(/^mcpu_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(userTokenId(a.token)).to.equal(a.tokenId);
    expect(a.token).to.not.equal(b.token);
    expect(userTokenId(`${a.token}x`)).to.equal(undefined);
    expect(userTokenId('mcpu_short_x')).to.equal(undefined);
  });

  it('compares SHA-256 digests, and only well-formed ones', () => {
    const { token } = newUserToken();
    expect(hashToken(token)).to.match(/^[0-9a-f]{64}$/);
    expect(hashesEqual(hashToken(token), hashToken(token))).to.equal(true);
    expect(hashesEqual(hashToken(token), hashToken(`${token}!`))).to.equal(false);
    expect(hashesEqual('abc', 'abc')).to.equal(false);
    expect(newAdminToken()).to.match(/^mcpa_[A-Za-z0-9_-]{43}$/);
  });
});
