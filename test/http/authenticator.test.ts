import { expect } from 'chai';
import { hashToken, newUserToken } from '../../src/crypto/accessTokens.js';
import { createAuthenticator } from '../../src/http/authenticator.js';
import { createLoginLinks } from '../../src/http/loginLinks.js';
import { createRateLimiter } from '../../src/http/rateLimiter.js';
import type { TokensModel } from '../../src/projections/tokensProjection.js';

const ADMIN = 'admin-token-for-unit-tests-0123456789abcdef';

describe('authenticator', () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const tokens: TokensModel = new Map();
  const auth = createAuthenticator({
    mode: 'token',
    adminToken: ADMIN,
    tokens: () => tokens,
    clock: () => new Date(now),
  });
  const user = newUserToken();
  tokens.set(user.tokenId, {
    tokenId: user.tokenId,
    username: 'ann',
    createdAt: 't',
    tokenHash: hashToken(user.token),
    expiresAt: '2030-01-01T01:00:00.000Z',
  });

  it('knows the admin token and user tokens by their hash', () => {
    expect(auth.authenticate(`Bearer ${ADMIN}`)).to.deep.equal({ kind: 'admin' });
    expect(auth.authenticate(`bearer   ${user.token}`)).to.deep.equal({
      kind: 'user',
      username: 'ann',
      tokenId: user.tokenId,
    });
  });

  it('refuses missing, malformed, unknown, forged, revoked and expired tokens alike (undefined)', () => {
    const forged = `mcpu_${user.tokenId}_${'A'.repeat(43)}`;
    for (const header of [
      undefined,
      '',
      'Bearer',
      `Basic ${ADMIN}`,
      `Bearer ${ADMIN}x`,
      forged,
      `Bearer ${forged}`,
      `Bearer ${newUserToken().token}`,
    ]) {
      expect(auth.authenticate(header), String(header)).to.equal(undefined);
    }
    now = Date.parse('2030-01-01T01:00:00Z');
    expect(auth.authenticate(`Bearer ${user.token}`), 'expired').to.equal(undefined);
    now = Date.parse('2030-01-01T00:00:00Z');
    tokens.set(user.tokenId, { ...tokens.get(user.tokenId)!, revokedAt: 't2' });
    expect(auth.authenticate(`Bearer ${user.token}`), 'revoked').to.equal(undefined);
  });

  it('treats everyone as admin with AUTH=none, and needs an admin token otherwise', () => {
    const open = createAuthenticator({ mode: 'none', tokens: () => tokens, clock: () => new Date() });
    expect(open.enabled).to.equal(false);
    expect(open.authenticate(undefined)).to.deep.equal({ kind: 'admin' });
    expect(() =>
      createAuthenticator({ mode: 'token', tokens: () => tokens, clock: () => new Date() }),
    ).to.throw(/admin token is required/);
  });
});

describe('login links', () => {
  let now = 1_000_000;
  const links = createLoginLinks(Buffer.alloc(32, 7), () => new Date(now), 60_000);

  it('verifies its own links until they expire, and nothing else', () => {
    const { link, expiresAt } = links.issue({ username: 'ann', serverName: 'gmail' });
    expect(expiresAt).to.equal(new Date(1_060_000).toISOString());
    expect(links.verify(link)).to.deep.equal({ username: 'ann', serverName: 'gmail' });
    const [payload, sig] = link.split('.');
    const other = Buffer.from(JSON.stringify(['bob', 'gmail', 9e15])).toString('base64url');
    for (const bad of [
      `${other}.${sig}`,
      `${payload}.${'A'.repeat(43)}`,
      `${payload}`,
      `${link}.x`,
      '',
      'x'.repeat(2000),
    ])
      expect(links.verify(bad)).to.equal(undefined);
    expect(
      createLoginLinks(Buffer.alloc(32, 8), () => new Date(now), 60_000).verify(link),
      'another key',
    ).to.equal(undefined);
    now += 60_000;
    expect(links.verify(link)).to.equal(undefined);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then the sustained rate, per key, and says when to retry', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 60, burst: 3, clock: () => new Date(now) });
    expect([1, 2, 3].map(() => limiter.take('ann').ok)).to.deep.equal([true, true, true]);
    expect(limiter.take('ann')).to.deep.equal({ ok: false, retryAfterMs: 1000 });
    expect(limiter.take('bob').ok).to.equal(true);
    now += 500;
    expect(limiter.take('ann')).to.deep.equal({ ok: false, retryAfterMs: 500 });
    now += 500;
    expect(limiter.take('ann').ok).to.equal(true);
    now += 3_600_000;
    expect(
      [1, 2, 3, 4].map(() => limiter.take('ann').ok),
      'refills only up to the burst',
    ).to.deep.equal([true, true, true, false]);
  });

  it('is off at 0 per minute, and forgets idle keys when it holds too many', () => {
    const off = createRateLimiter({ perMinute: 0, burst: 1, clock: () => new Date(0) });
    expect(Array.from({ length: 100 }, () => off.take('x').ok).every(Boolean)).to.equal(true);
    let now = 0;
    const small = createRateLimiter({ perMinute: 60, burst: 1, clock: () => new Date(now), maxKeys: 2 });
    small.take('a');
    small.take('b');
    now += 10_000;
    small.take('c');
    expect(small.take('a').ok, 'a was idle, dropped, and starts full again').to.equal(true);
  });
});
