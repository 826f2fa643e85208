import { expect } from 'chai';
import { secretDecider, type SecretCommand, type SecretState } from '../../src/commands/secretDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const sealed: Sealed = {
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: 'Y2lwaGVy',
};
const ref = { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName: 'API_KEY' };
const setEvent = (secretName: string): DomainEvent => ({
  type: 'SecretSet',
  data: { ...ref, secretName, sealed },
});
const deletedEvent = (secretName: string): DomainEvent => ({
  type: 'SecretDeleted',
  data: { ...ref, secretName },
});

const given = (events: readonly DomainEvent[]): SecretState =>
  events.reduce((s, e) => secretDecider.evolve(s, e), secretDecider.initialState());
const when = (events: readonly DomainEvent[], command: SecretCommand): DomainEvent[] =>
  secretDecider.decide(given(events), command);

describe('secretDecider', () => {
  it('sets a secret as SecretSet carrying the sealed value and its references', () => {
    expect(when([], { type: 'SetSecret', data: { ...ref, sealed } })).to.deep.equal([setEvent('API_KEY')]);
  });

  it('sets a secret again (overwrite) as another SecretSet', () => {
    expect(when([setEvent('API_KEY')], { type: 'SetSecret', data: { ...ref, sealed } })).to.deep.equal([
      setEvent('API_KEY'),
    ]);
  });

  it('refuses to delete a secret that was never set (404 secret_not_found)', () => {
    let caught: unknown;
    try {
      when([setEvent('OTHER')], { type: 'DeleteSecret', data: ref });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(AppError);
    expect((caught as AppError).code).to.equal('secret_not_found');
    expect((caught as AppError).status).to.equal(404);
    expect((caught as AppError).message).to.contain('API_KEY');
  });

  it('deletes a secret that was set as SecretDeleted', () => {
    expect(when([setEvent('API_KEY')], { type: 'DeleteSecret', data: ref })).to.deep.equal([
      deletedEvent('API_KEY'),
    ]);
  });

  it('refuses to delete a secret twice (404 secret_not_found)', () => {
    expect(() => when([setEvent('API_KEY'), deletedEvent('API_KEY')], { type: 'DeleteSecret', data: ref }))
      .to.throw(AppError)
      .with.property('code', 'secret_not_found');
  });

  describe('evolve', () => {
    it('starts with no names', () => {
      expect([...given([]).names]).to.deep.equal([]);
    });

    it('adds names on SecretSet (once each) and drops them on SecretDeleted', () => {
      expect([...given([setEvent('A'), setEvent('B'), setEvent('A')]).names].sort()).to.deep.equal([
        'A',
        'B',
      ]);
      expect([...given([setEvent('A'), setEvent('B'), deletedEvent('A')]).names]).to.deep.equal(['B']);
    });

    it('does not mutate the state it is given', () => {
      const before = given([setEvent('A')]);
      secretDecider.evolve(before, setEvent('B'));
      secretDecider.evolve(before, deletedEvent('A'));
      expect([...before.names]).to.deep.equal(['A']);
    });

    it('ignores events that are not about secrets', () => {
      const state = given([setEvent('A')]);
      expect(
        secretDecider.evolve(state, { type: 'ServerEnabled', data: { serverId: 'srv-0001', name: 'alpha' } }),
      ).to.equal(state);
    });
  });
});
