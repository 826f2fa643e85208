import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import {
  evolveSecrets,
  initialSecrets,
  secretCountFor,
  secretsFor,
} from '../../src/projections/secretsProjection.js';
import { evolveTokens, initialTokens } from '../../src/projections/tokensProjection.js';

const id = (c: string): string => c.repeat(32);
const issued = (tokenId: string, username: string, extra: Record<string, string> = {}): DomainEvent => ({
  type: 'TokenIssued',
  data: { tokenId, username, tokenHash: 'e'.repeat(64), ...extra },
});

describe('tokensProjection', () => {
  it('keeps metadata per token, marks revocations, and revokes every token of a deleted user', () => {
    const model = initialTokens();
    evolveTokens(
      model,
      issued(id('a'), 'ann', { label: 'laptop', expiresAt: '2031-01-01T00:00:00.000Z' }),
      't1',
    );
    evolveTokens(model, issued(id('b'), 'ann'), 't2');
    evolveTokens(model, issued(id('c'), 'bob'), 't3');
    evolveTokens(model, { type: 'TokenRevoked', data: { tokenId: id('b'), username: 'ann' } }, 't4');
    expect(model.get(id('a'))).to.deep.equal({
      tokenId: id('a'),
      username: 'ann',
      label: 'laptop',
      expiresAt: '2031-01-01T00:00:00.000Z',
      createdAt: 't1',
      tokenHash: 'e'.repeat(64),
    });
    expect(model.get(id('b'))?.revokedAt).to.equal('t4');
    evolveTokens(model, { type: 'UserDeleted', data: { username: 'ann' } }, 't5');
    expect(model.get(id('a'))?.revokedAt).to.equal('t5');
    expect(model.get(id('b'))?.revokedAt, 'an earlier revocation keeps its time').to.equal('t4');
    expect(model.get(id('c'))?.revokedAt).to.equal(undefined);
  });
});

describe('secretsProjection: user deletion and rewrap', () => {
  const sealed = (v: number): Sealed => ({ keyVersion: v, iv: 'aXY=', tag: 'dGFn', data: String(v) });
  const set = (serverId: string, username: string, secretName: string): DomainEvent => ({
    type: 'SecretSet',
    data: { serverId, serverName: 's', username, secretName, sealed: sealed(1) },
  });

  it("drops a deleted user's secrets on every server and keeps everyone else's", () => {
    const model = initialSecrets();
    for (const e of [set('s1', 'ann', 'A'), set('s2', 'ann', 'B'), set('s1', 'bob', 'A')])
      evolveSecrets(model, e);
    expect(secretCountFor(model, 'ann')).to.equal(2);
    evolveSecrets(model, { type: 'UserDeleted', data: { username: 'ann' } });
    expect(secretCountFor(model, 'ann')).to.equal(0);
    expect(model.has('s2')).to.equal(false);
    expect(secretsFor(model, 's1', 'bob').size).to.equal(1);
  });

  it('replaces the ciphertext of a secret that still exists, and never revives a deleted one', () => {
    const model = initialSecrets();
    evolveSecrets(model, set('s1', 'ann', 'A'));
    const rewrap = (secretName: string): DomainEvent => ({
      type: 'SecretRewrapped',
      data: {
        serverId: 's1',
        serverName: 's',
        username: 'ann',
        secretName,
        sealed: sealed(2),
        fromKeyVersion: 1,
      },
    });
    evolveSecrets(model, rewrap('A'));
    evolveSecrets(model, rewrap('GONE'));
    expect([...secretsFor(model, 's1', 'ann')]).to.deep.equal([['A', sealed(2)]]);
  });
});
