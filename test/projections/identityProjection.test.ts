import { expect } from 'chai';
import { evolveAuthServer, initialAuthServer } from '../../src/projections/authServerProjection.js';
import {
  evolvePolicy,
  evolveUsers,
  groupsOf,
  initialPolicy,
  initialUsers,
} from '../../src/projections/identityProjection.js';

const AT = '2026-07-28T12:00:00.000Z';
const sealed = { keyVersion: 1, iv: 'aXY=', tag: 'dGFn', data: '' };

describe('identity read models', () => {
  it('users: admin groups and identity-provider groups together; a deletion removes the user', () => {
    const users = initialUsers();
    evolveUsers(users, { type: 'UserRegistered', data: { username: 'ann', source: 'oidc' } }, AT);
    evolveUsers(
      users,
      { type: 'UserSignedIn', data: { username: 'ann', subjectHash: 'a'.repeat(64), idpGroups: ['eng'] } },
      AT,
    );
    evolveUsers(users, { type: 'UserGroupsSet', data: { username: 'ann', groups: ['ops', 'eng'] } }, AT);
    expect(groupsOf(users, 'ann')).to.deep.equal(['ops', 'eng']);
    expect(users.get('ann')).to.deep.include({ source: 'oidc', lastSignInAt: AT, idpGroups: ['eng'] });
    evolveUsers(users, { type: 'UserDeleted', data: { username: 'ann' } }, AT);
    expect(groupsOf(users, 'ann')).to.deep.equal([]);
  });

  it('policy: the last rule set wins', () => {
    const policy = initialPolicy();
    const rule = {
      id: 'r',
      effect: 'deny' as const,
      subjects: ['*'],
      server: '*',
      kind: '*' as const,
      name: '*',
    };
    evolvePolicy(policy, { type: 'AccessPolicySet', data: { rules: [rule] } }, AT);
    evolvePolicy(policy, { type: 'AccessPolicySet', data: { rules: [] } }, AT);
    expect(policy.rules).to.deep.equal([]);
    expect(policy.updatedAt).to.equal(AT);
  });

  it(
    'authorization-server records: ' +
      'a revoked grant drops every record issued under it; a deleted user drops theirs',
    () => {
      const model = initialAuthServer();
      const store = (
        name: 'Grant' | 'AccessToken' | 'RefreshToken',
        key: string,
        grantId: string,
        accountId: string,
      ) =>
        evolveAuthServer(model, {
          type: 'AuthServerRecordStored',
          data: { model: name, key, grantId, accountId, sealed },
        });
      store('Grant', '1'.repeat(64), 'g1', 'ann');
      store('AccessToken', '2'.repeat(64), 'g1', 'ann');
      store('RefreshToken', '3'.repeat(64), 'g1', 'ann');
      store('AccessToken', '4'.repeat(64), 'g2', 'bob');
      evolveAuthServer(model, { type: 'AuthServerGrantRevoked', data: { grantId: 'g1' } });
      expect(model.records.get('AccessToken')?.has('2'.repeat(64))).to.equal(false);
      expect(model.records.get('RefreshToken')?.size).to.equal(0);
      expect(model.records.get('Grant')?.size).to.equal(0);
      expect(model.records.get('AccessToken')?.has('4'.repeat(64))).to.equal(true);
      evolveAuthServer(model, { type: 'UserDeleted', data: { username: 'bob' } });
      expect(model.records.get('AccessToken')?.size).to.equal(0);
      expect(model.byGrant.size).to.equal(0);
    },
  );
});
