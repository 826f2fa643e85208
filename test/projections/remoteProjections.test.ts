import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import { evolveOAuthModel, initialOAuth, oauthFor } from '../../src/projections/oauthProjection.js';
import { evolveSessions, initialSessions, sessionFor } from '../../src/projections/sessionsProjection.js';

const sealed: Sealed = {
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: 'Y2lwaGVy',
};
const removed = (serverId: string): DomainEvent => ({
  type: 'ServerRemoved',
  data: { serverId, name: 'remote' },
});

describe('oauth and sessions projections', () => {
  it('folds grants per (server registration, user) and drops them with the server', () => {
    const model = initialOAuth();
    const store = (serverId: string, username: string): DomainEvent => ({
      type: 'OAuthTokensStored',
      data: {
        serverId,
        serverName: 'remote',
        username,
        source: 'api',
        tokenType: 'Bearer',
        accessToken: sealed,
      },
    });
    for (const e of [store('s1', 'ann'), store('s1', 'bob'), store('s2', 'ann')]) evolveOAuthModel(model, e);
    expect(oauthFor(model, 's1', 'ann')?.generation).to.equal(1);
    expect(oauthFor(model, 's1', 'carl')).to.equal(undefined);
    evolveOAuthModel(model, removed('s1'));
    expect(oauthFor(model, 's1', 'ann')).to.equal(undefined);
    expect(oauthFor(model, 's2', 'ann')?.record?.accessToken).to.deep.equal(sealed);
  });

  it('keeps the latest session per connection, forgets a cleared one and those of a removed server', () => {
    const model = initialSessions();
    const change = (serverId: string, connection: string, sessionId: string | null): DomainEvent => ({
      type: 'SessionIdChanged',
      data: { serverId, serverName: 'remote', connection, url: 'https://x.example/mcp', sessionId },
    });
    for (const e of [
      change('s1', '@shared', 'a'),
      change('s1', '@shared', 'b'),
      change('s1', 'ann', 'c'),
      change('s2', '@shared', 'd'),
    ])
      evolveSessions(model, e);
    expect(sessionFor(model, 's1', '@shared')?.sessionId).to.equal('b');
    evolveSessions(model, change('s1', 'ann', null));
    expect(sessionFor(model, 's1', 'ann')).to.equal(undefined);
    evolveSessions(model, removed('s1'));
    expect(sessionFor(model, 's1', '@shared')).to.equal(undefined);
    expect(sessionFor(model, 's2', '@shared')?.sessionId).to.equal('d');
  });

  it("forgets a deleted user's grants and sessions, so a new user of that name starts from nothing", () => {
    const oauth = initialOAuth();
    const sessions = initialSessions();
    for (const username of ['ann', 'bob']) {
      evolveOAuthModel(oauth, {
        type: 'OAuthTokensStored',
        data: {
          serverId: 's1',
          serverName: 'remote',
          username,
          source: 'api',
          tokenType: 'Bearer',
          accessToken: sealed,
        },
      });
      evolveSessions(sessions, {
        type: 'SessionIdChanged',
        data: {
          serverId: 's1',
          serverName: 'remote',
          connection: username,
          url: 'https://x.example/mcp',
          sessionId: `sess-${username}`,
        },
      });
    }
    const deleted: DomainEvent = { type: 'UserDeleted', data: { username: 'ann' } };
    evolveOAuthModel(oauth, deleted);
    evolveSessions(sessions, deleted);
    expect(oauthFor(oauth, 's1', 'ann')).to.equal(undefined);
    expect(sessionFor(sessions, 's1', 'ann')).to.equal(undefined);
    expect(oauthFor(oauth, 's1', 'bob')).not.to.equal(undefined);
    expect(sessionFor(sessions, 's1', 'bob')?.sessionId).to.equal('sess-bob');
  });
});
