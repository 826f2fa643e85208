import { expect } from 'chai';
import { authRecordDecider } from '../../src/commands/authServerDecider.js';
import { accountDecider, policyDecider } from '../../src/commands/identityDeciders.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { PolicyRule } from '../../src/policy/accessPolicy.js';

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
const rule: PolicyRule = {
  id: 'r1',
  effect: 'allow',
  subjects: ['group:eng'],
  server: '*',
  kind: 'tool',
  name: '*',
};

describe('policyDecider', () => {
  it('records a new rule set, nothing for the same one, and refuses duplicate rule ids', () => {
    const set: DomainEvent = {
      type: 'AccessPolicySet',
      data: { rules: [{ ...rule, subjects: [...rule.subjects] }] },
    };
    expect(
      policyDecider.decide(fold(policyDecider, []), { type: 'SetAccessPolicy', data: { rules: [rule] } }),
    ).to.deep.equal([set]);
    expect(
      policyDecider.decide(fold(policyDecider, [set]), { type: 'SetAccessPolicy', data: { rules: [rule] } }),
    ).to.deep.equal([]);
    expect(
      codeOf(() =>
        policyDecider.decide(fold(policyDecider, []), {
          type: 'SetAccessPolicy',
          data: { rules: [rule, rule] },
        }),
      ),
    ).to.equal('invalid_request');
  });
});

describe('accountDecider', () => {
  const registered: DomainEvent = { type: 'UserRegistered', data: { username: 'ann', source: 'oidc' } };
  it('registers a user on the first sign-in only, and records every sign-in with its groups', () => {
    const signIn = {
      type: 'RecordSignIn' as const,
      data: { username: 'ann', subjectHash: 'a'.repeat(64), idpGroups: ['b', 'a', 'a'] },
    };
    const signedIn: DomainEvent = {
      type: 'UserSignedIn',
      data: { username: 'ann', subjectHash: 'a'.repeat(64), idpGroups: ['a', 'b'] },
    };
    expect(accountDecider.decide(fold(accountDecider, []), signIn)).to.deep.equal([registered, signedIn]);
    expect(accountDecider.decide(fold(accountDecider, [registered, signedIn]), signIn)).to.deep.equal([
      signedIn,
    ]);
  });
  it('sets admin groups (sorted, deduplicated) and records nothing when they are unchanged', () => {
    const setGroups = {
      type: 'SetUserGroups' as const,
      data: { username: 'ann', groups: ['ops', 'eng', 'ops'] },
    };
    const groupsSet: DomainEvent = {
      type: 'UserGroupsSet',
      data: { username: 'ann', groups: ['eng', 'ops'] },
    };
    expect(accountDecider.decide(fold(accountDecider, [registered]), setGroups)).to.deep.equal([groupsSet]);
    expect(accountDecider.decide(fold(accountDecider, [registered, groupsSet]), setGroups)).to.deep.equal([]);
  });
  it('forgets everything with a deletion: the same name registers anew', () => {
    const state = fold(accountDecider, [registered, { type: 'UserDeleted', data: { username: 'ann' } }]);
    expect(
      accountDecider.decide(state, { type: 'RegisterUser', data: { username: 'ann', source: 'admin' } }),
    ).to.deep.equal([{ type: 'UserRegistered', data: { username: 'ann', source: 'admin' } }]);
  });
});

describe('authRecordDecider', () => {
  const key = 'c'.repeat(64);
  const stored: DomainEvent = {
    type: 'AuthServerRecordStored',
    data: { model: 'AuthorizationCode', key, sealed: { keyVersion: 1, iv: 'aXY=', tag: 'dGFn', data: '' } },
  };
  it('lets a code be consumed once: the second consumer loses, even on another instance', () => {
    const consume = {
      type: 'ConsumeAuthRecord' as const,
      data: { model: 'AuthorizationCode' as const, key },
    };
    const consumed: DomainEvent = {
      type: 'AuthServerRecordConsumed',
      data: { model: 'AuthorizationCode', key },
    };
    expect(authRecordDecider.decide(fold(authRecordDecider, [stored]), consume)).to.deep.equal([consumed]);
    expect(
      codeOf(() => authRecordDecider.decide(fold(authRecordDecider, [stored, consumed]), consume)),
    ).to.equal('concurrency_conflict');
    expect(codeOf(() => authRecordDecider.decide(fold(authRecordDecider, []), consume))).to.equal(
      'concurrency_conflict',
    );
  });
});
