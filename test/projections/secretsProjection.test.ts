import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import {
  evolveSecrets,
  initialSecrets,
  secretsFor,
  type SecretsModel,
} from '../../src/projections/secretsProjection.js';

const sealedA: Sealed = { keyVersion: 1, iv: 'aXYtQQ==', tag: 'dGFnLUE=', data: 'QQ==' };
const sealedB: Sealed = { keyVersion: 2, iv: 'aXYtQg==', tag: 'dGFnLUI=', data: 'Qg==' };

const set = (
  serverId: string,
  username: string,
  secretName: string,
  sealed: Sealed = sealedA,
): DomainEvent => ({
  type: 'SecretSet',
  data: { serverId, serverName: 'alpha', username, secretName, sealed },
});
const deleted = (serverId: string, username: string, secretName: string): DomainEvent => ({
  type: 'SecretDeleted',
  data: { serverId, serverName: 'alpha', username, secretName },
});
const given = (events: readonly DomainEvent[]): SecretsModel =>
  events.reduce((m, e) => evolveSecrets(m, e), initialSecrets());
const entries = (m: ReadonlyMap<string, Sealed>): Array<[string, Sealed]> =>
  [...m.entries()].sort(([a], [b]) => a.localeCompare(b));

describe('secretsProjection', () => {
  it("stores each user's ciphertexts per server registration and name", () => {
    const model = given([
      set('srv-1', 'ann', 'A'),
      set('srv-1', 'ann', 'B', sealedB),
      set('srv-1', 'bob', 'A', sealedB),
      set('srv-2', 'ann', 'A'),
    ]);
    expect(entries(secretsFor(model, 'srv-1', 'ann'))).to.deep.equal([
      ['A', sealedA],
      ['B', sealedB],
    ]);
    expect(entries(secretsFor(model, 'srv-1', 'bob'))).to.deep.equal([['A', sealedB]]);
    expect(entries(secretsFor(model, 'srv-2', 'ann'))).to.deep.equal([['A', sealedA]]);
  });

  it('overwrites a name on a second SecretSet', () => {
    const model = given([set('srv-1', 'ann', 'A', sealedA), set('srv-1', 'ann', 'A', sealedB)]);
    expect(entries(secretsFor(model, 'srv-1', 'ann'))).to.deep.equal([['A', sealedB]]);
  });

  it('removes one name on SecretDeleted and keeps the others', () => {
    const model = given([set('srv-1', 'ann', 'A'), set('srv-1', 'ann', 'B'), deleted('srv-1', 'ann', 'A')]);
    expect([...secretsFor(model, 'srv-1', 'ann').keys()]).to.deep.equal(['B']);
  });

  it('removes the user entry when the last name is deleted', () => {
    const model = given([set('srv-1', 'ann', 'A'), set('srv-1', 'bob', 'A'), deleted('srv-1', 'ann', 'A')]);
    expect(model.get('srv-1')?.has('ann')).to.equal(false);
    expect(model.get('srv-1')?.has('bob')).to.equal(true);
  });

  it('ignores a SecretDeleted for a server or user it does not know', () => {
    const model = given([
      set('srv-1', 'ann', 'A'),
      deleted('srv-9', 'ann', 'A'),
      deleted('srv-1', 'zed', 'A'),
    ]);
    expect(model.has('srv-9')).to.equal(false);
    expect([...secretsFor(model, 'srv-1', 'ann').keys()]).to.deep.equal(['A']);
  });

  it("drops every user's secrets of a server on ServerRemoved, and only that server's", () => {
    const model = given([
      set('srv-1', 'ann', 'A'),
      set('srv-1', 'bob', 'B'),
      set('srv-2', 'ann', 'C'),
      { type: 'ServerRemoved', data: { serverId: 'srv-1', name: 'alpha' } },
    ]);
    expect(model.has('srv-1')).to.equal(false);
    expect(secretsFor(model, 'srv-1', 'ann').size).to.equal(0);
    expect(secretsFor(model, 'srv-1', 'bob').size).to.equal(0);
    expect([...secretsFor(model, 'srv-2', 'ann').keys()]).to.deep.equal(['C']);
  });

  it('secretsFor returns an empty map for an unknown server or user', () => {
    const model = given([set('srv-1', 'ann', 'A')]);
    expect(secretsFor(model, 'srv-unknown', 'ann'))
      .to.be.instanceOf(Map)
      .with.property('size', 0);
    expect(secretsFor(model, 'srv-1', 'nobody'))
      .to.be.instanceOf(Map)
      .with.property('size', 0);
  });

  it('ignores events that are not about secrets or removal', () => {
    const model = given([
      set('srv-1', 'ann', 'A'),
      { type: 'ServerDisabled', data: { serverId: 'srv-1', name: 'alpha' } },
    ]);
    expect([...secretsFor(model, 'srv-1', 'ann').keys()]).to.deep.equal(['A']);
  });
});
