import { expect } from 'chai';
import { oauthDecider } from '../../src/commands/oauthDecider.js';
import { upstreamClientDecider, upstreamConnectDecider } from '../../src/commands/upstreamConnectDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const sealed: Sealed = { keyVersion: 1, iv: 'aXY=', tag: 'dGFn', data: 'ZGF0YQ==' };
const stateHash = 'c'.repeat(64);
const started: DomainEvent = {
  type: 'UpstreamConnectStarted',
  data: {
    stateHash,
    username: 'ann',
    serverName: 'remote',
    serverId: 's1',
    issuer: 'https://as.example',
    clientId: 'client-1',
    resource: 'https://mcp.example/mcp',
    codeVerifier: sealed,
    expiresAt: '2030-01-01T00:10:00.000Z',
  },
};
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected an AppError');
};

describe('upstreamConnectDecider', () => {
  const afterStart = upstreamConnectDecider.evolve(upstreamConnectDecider.initialState(), started);
  const complete = (now: string) => ({ type: 'CompleteUpstreamConnect' as const, data: { stateHash, now } });

  it('completes a started connection once, before it expires', () => {
    const events = upstreamConnectDecider.decide(afterStart, complete('2030-01-01T00:05:00.000Z'));
    expect(events.map((e) => e.type)).to.deep.equal(['UpstreamConnectCompleted']);
    const done = upstreamConnectDecider.evolve(afterStart, events[0] as DomainEvent);
    expect(codeOf(() => upstreamConnectDecider.decide(done, complete('2030-01-01T00:05:01.000Z')))).to.equal(
      'invalid_oauth_state',
    );
  });

  it('refuses an unknown or expired state', () => {
    const none = upstreamConnectDecider.initialState();
    expect(codeOf(() => upstreamConnectDecider.decide(none, complete('2030-01-01T00:00:00.000Z')))).to.equal(
      'invalid_oauth_state',
    );
    expect(
      codeOf(() => upstreamConnectDecider.decide(afterStart, complete('2030-01-01T00:10:01.000Z'))),
    ).to.equal('invalid_oauth_state');
  });

  it('never starts the same state twice', () => {
    expect(
      codeOf(() =>
        upstreamConnectDecider.decide(afterStart, {
          type: 'StartUpstreamConnect',
          data: started.data as never,
        }),
      ),
    ).to.equal('concurrency_conflict');
  });
});

describe('upstreamClientDecider', () => {
  const registration = (
    method: 'dynamic' | 'configured',
    clientId: string,
    redirectUri = 'https://gw/cb',
  ) => ({
    type: 'RegisterUpstreamClient' as const,
    data: { issuer: 'https://as.example', clientId, redirectUri, method },
  });
  const fold = (events: DomainEvent[]) =>
    events.reduce((s, e) => upstreamClientDecider.evolve(s, e), upstreamClientDecider.initialState());

  it('keeps the first registration for a redirect URI, and registers again for a new one', () => {
    const first = fold(
      upstreamClientDecider.decide(upstreamClientDecider.initialState(), registration('dynamic', 'a')),
    );
    expect(upstreamClientDecider.decide(first, registration('dynamic', 'b'))).to.deep.equal([]);
    expect(
      upstreamClientDecider.decide(first, registration('dynamic', 'c', 'https://gw2/cb')),
    ).to.have.length(1);
  });

  it('lets an admin-configured client win over registrations, and replaces it only by another configuration', () => {
    const configured = fold(
      upstreamClientDecider.decide(upstreamClientDecider.initialState(), registration('configured', 'x')),
    );
    expect(
      upstreamClientDecider.decide(configured, registration('dynamic', 'y', 'https://other/cb')),
    ).to.deep.equal([]);
    expect(upstreamClientDecider.decide(configured, registration('configured', 'z'))).to.have.length(1);
  });
});

describe('oauthDecider DeleteTokens', () => {
  it('deletes a stored grant once and bumps the generation, so a refresh in flight cannot land after it', () => {
    const ref = { serverId: 's1', serverName: 'remote', username: 'ann' };
    const stored = oauthDecider.evolve(oauthDecider.initialState(), {
      type: 'OAuthTokensStored',
      data: { ...ref, source: 'api', tokenType: 'Bearer', accessToken: sealed },
    });
    const events = oauthDecider.decide(stored, { type: 'DeleteTokens', data: ref });
    expect(events.map((e) => e.type)).to.deep.equal(['OAuthTokensDeleted']);
    const deleted = oauthDecider.evolve(stored, events[0] as DomainEvent);
    expect(deleted.record).to.equal(undefined);
    expect(deleted.generation).to.be.greaterThan(stored.generation);
    expect(oauthDecider.decide(deleted, { type: 'DeleteTokens', data: ref })).to.deep.equal([]);
  });
});
