import { expect } from 'chai';
import { googleLoginDecider, type GoogleLoginCommand } from '../../src/commands/googleLoginDecider.js';
import { secretRewrapDecider } from '../../src/commands/secretRewrapDecider.js';
import { tokenDecider } from '../../src/commands/tokenDecider.js';
import { userDecider } from '../../src/commands/userDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const fold = <S>(
  d: { initialState: () => S; evolve: (s: S, e: DomainEvent) => S },
  events: readonly DomainEvent[],
): S => events.reduce((s, e) => d.evolve(s, e), d.initialState());
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected an AppError');
};

describe('tokenDecider', () => {
  const issued: DomainEvent = {
    type: 'TokenIssued',
    data: { tokenId: 'a'.repeat(32), username: 'ann', tokenHash: 'b'.repeat(64) },
  };
  it('issues a new token once', () => {
    expect(
      tokenDecider.decide(fold(tokenDecider, []), { type: 'IssueToken', data: issued.data as never }),
    ).to.deep.equal([issued]);
    expect(
      codeOf(() =>
        tokenDecider.decide(fold(tokenDecider, [issued]), { type: 'IssueToken', data: issued.data as never }),
      ),
    ).to.equal('concurrency_conflict');
  });
  it('revokes an issued token (naming its user), then treats a second revoke as done; an unknown token is 404', () => {
    const revoke = { type: 'RevokeToken' as const, data: { tokenId: 'a'.repeat(32) } };
    const revoked: DomainEvent = { type: 'TokenRevoked', data: { tokenId: 'a'.repeat(32), username: 'ann' } };
    expect(tokenDecider.decide(fold(tokenDecider, [issued]), revoke)).to.deep.equal([revoked]);
    expect(tokenDecider.decide(fold(tokenDecider, [issued, revoked]), revoke)).to.deep.equal([]);
    expect(codeOf(() => tokenDecider.decide(fold(tokenDecider, []), revoke))).to.equal('token_not_found');
  });
});

describe('userDecider', () => {
  it('records every deletion request, even of a user with nothing stored', () => {
    const del = { type: 'DeleteUser' as const, data: { username: 'ann' } };
    expect(userDecider.decide(fold(userDecider, []), del)).to.deep.equal([
      { type: 'UserDeleted', data: { username: 'ann' } },
    ]);
    expect(fold(userDecider, [{ type: 'UserDeleted', data: { username: 'ann' } }]).deletions).to.equal(1);
  });
});

describe('googleLoginDecider', () => {
  const start = {
    stateHash: 'c'.repeat(64),
    username: 'ann',
    serverName: 'gmail',
    serverId: 'srv-1',
    expiresAt: '2030-01-01T00:10:00.000Z',
  };
  const started: DomainEvent = { type: 'GoogleLoginStarted', data: start };
  const complete = (now: string): GoogleLoginCommand => ({
    type: 'CompleteGoogleLogin',
    data: { stateHash: start.stateHash, now },
  });
  const reasonOf = (events: DomainEvent[], now: string): string => {
    try {
      googleLoginDecider.decide(fold(googleLoginDecider, events), complete(now));
    } catch (e) {
      expect((e as AppError).code).to.equal('invalid_oauth_state');
      return String((e as AppError).details.reason);
    }
    throw new Error('expected a refusal');
  };

  it('completes a started, unexpired state exactly once, for the user and server it was bound to', () => {
    const done = googleLoginDecider.decide(
      fold(googleLoginDecider, [started]),
      complete('2030-01-01T00:09:59.000Z'),
    );
    expect(done).to.deep.equal([
      {
        type: 'GoogleLoginCompleted',
        data: { stateHash: start.stateHash, username: 'ann', serverName: 'gmail' },
      },
    ]);
    expect(reasonOf([started, ...done], '2030-01-01T00:09:59.000Z')).to.equal('this state was already used');
  });
  it('refuses an unknown and an expired state', () => {
    expect(reasonOf([], '2030-01-01T00:00:00.000Z')).to.equal('unknown state');
    expect(reasonOf([started], '2030-01-01T00:10:00.001Z')).to.equal('this state has expired');
  });
  it('never starts the same state twice', () => {
    expect(
      codeOf(() =>
        googleLoginDecider.decide(fold(googleLoginDecider, [started]), {
          type: 'StartGoogleLogin',
          data: start,
        }),
      ),
    ).to.equal('concurrency_conflict');
  });
});

describe('secretRewrapDecider', () => {
  const ref = { serverId: 'srv-1', serverName: 'alpha', username: 'ann' };
  const v1: Sealed = { keyVersion: 1, iv: 'aXYx', tag: 'dGFnMQ==', data: 'MQ==' };
  const v1b: Sealed = { keyVersion: 1, iv: 'aXYy', tag: 'dGFnMg==', data: 'Mg==' };
  const v2: Sealed = { keyVersion: 2, dataKeyId: 'k2', iv: 'aXYz', tag: 'dGFnMw==', data: 'Mw==' };
  const set = (secretName: string, sealed: Sealed): DomainEvent => ({
    type: 'SecretSet',
    data: { ...ref, secretName, sealed },
  });

  it('re-encrypts only secrets still holding the ciphertext that was read (no lost update, no revival)', () => {
    const history = [
      set('A', v1),
      set('B', v1),
      set('B', v1b),
      set('C', v1),
      { type: 'SecretDeleted', data: { ...ref, secretName: 'C' } } as DomainEvent,
    ];
    const events = secretRewrapDecider.decide(fold(secretRewrapDecider, history), {
      type: 'RewrapSecrets',
      data: {
        ...ref,
        items: [
          { secretName: 'A', from: v1, to: v2 },
          { secretName: 'B', from: v1, to: v2 },
          { secretName: 'C', from: v1, to: v2 },
        ],
      },
    });
    expect(events).to.deep.equal([
      { type: 'SecretRewrapped', data: { ...ref, secretName: 'A', sealed: v2, fromKeyVersion: 1 } },
    ]);
    expect(fold(secretRewrapDecider, [...history, ...events]).get('A')).to.deep.equal(v2);
  });
});
