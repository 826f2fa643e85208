import { expect } from 'chai';
import { oauthDecider, type OAuthCommand, type OAuthState } from '../../src/commands/oauthDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { Sealed } from '../../src/events/secretEvents.js';

const sealed = (tag: string): Sealed => ({
  keyVersion: 1,
  iv: 'aXYxMjM0NTY3ODkw',
  tag: 'dGFnMTIzNDU2Nzg5MDEyMw==',
  data: Buffer.from(tag).toString('base64'),
});
const ref = { serverId: 'srv-1', serverName: 'remote', username: 'ann' };
const stored = (access: string, extra: Record<string, unknown> = {}): DomainEvent => ({
  type: 'OAuthTokensStored',
  data: {
    ...ref,
    source: 'api',
    tokenType: 'Bearer',
    accessToken: sealed(access),
    refreshToken: sealed(`r-${access}`),
    clientId: 'client',
    clientSecret: sealed('cs'),
    ...extra,
  },
});
const started = (claimId: string, leaseUntil: string): DomainEvent => ({
  type: 'OAuthRefreshStarted',
  data: { ...ref, claimId, leaseUntil },
});

const given = (events: readonly DomainEvent[]): OAuthState =>
  events.reduce((s, e) => oauthDecider.evolve(s, e), oauthDecider.initialState());
const when = (events: readonly DomainEvent[], command: OAuthCommand): DomainEvent[] =>
  oauthDecider.decide(given(events), command);
const claim = (basedOn: number, claimId = 'c1', now = '2030-01-01T00:00:00.000Z'): OAuthCommand => ({
  type: 'ClaimRefresh',
  data: { ...ref, claimId, basedOn, now, leaseUntil: '2030-01-01T00:00:30.000Z' },
});

describe('oauthDecider', () => {
  it('stores a posted grant as OAuthTokensStored from the api', () => {
    const { serverId, serverName, username } = ref;
    const events = when([], {
      type: 'StoreTokens',
      data: { serverId, serverName, username, tokenType: 'Bearer', accessToken: sealed('a1') },
    });
    expect(events).to.deep.equal([
      {
        type: 'OAuthTokensStored',
        data: { ...ref, source: 'api', tokenType: 'Bearer', accessToken: sealed('a1') },
      },
    ]);
  });

  it('grants a refresh claim on the generation the caller saw expire', () => {
    expect(when([stored('a1')], claim(1))).to.deep.equal([started('c1', '2030-01-01T00:00:30.000Z')]);
  });

  it('grants no claim when the tokens were replaced since (the caller uses the new ones)', () => {
    expect(when([stored('a1'), stored('a2')], claim(1))).to.deep.equal([]);
  });

  it('grants no claim while another live claim holds the refresh token, but does once its lease ran out', () => {
    const history = [stored('a1'), started('other', '2030-01-01T00:00:10.000Z')];
    expect(when(history, claim(1, 'c1', '2030-01-01T00:00:05.000Z'))).to.deep.equal([]);
    expect(when(history, claim(1, 'c1', '2030-01-01T00:00:11.000Z'))).to.have.length(1);
  });

  it('grants no claim without a refresh token or after the grant was refused', () => {
    expect(when([stored('a1', { refreshToken: undefined })], claim(1))).to.deep.equal([]);
    const refused: DomainEvent = {
      type: 'OAuthRefreshFailed',
      data: { ...ref, claimId: 'x', reauthRequired: true, reason: 'invalid_grant' },
    };
    expect(when([stored('a1'), started('x', '2030-01-01T00:00:30.000Z'), refused], claim(1))).to.deep.equal(
      [],
    );
    expect(given([stored('a1'), refused]).reauthRequired).to.equal(true);
    expect(given([stored('a1'), refused, stored('a2')]).reauthRequired).to.equal(false);
  });

  it('completes a refresh as OAuthTokensStored from refresh, keeping the client fields', () => {
    const tokens = {
      tokenType: 'Bearer',
      accessToken: sealed('a2'),
      refreshToken: sealed('r2'),
      expiresAt: '2030-01-01T01:00:00.000Z',
    };
    const history = [
      stored('a1', { redirectUri: 'https://x.example/cb' }),
      started('c1', '2030-01-01T00:00:30.000Z'),
    ];
    const events = when(history, {
      type: 'CompleteRefresh',
      data: { ...ref, claimId: 'c1', basedOn: 1, tokens },
    });
    expect(events).to.deep.equal([
      { type: 'OAuthTokensStored', data: { ...ref, source: 'refresh', claimId: 'c1', ...tokens } },
    ]);
    const after = given([...history, ...events]);
    expect(after).to.include({ generation: 2, reauthRequired: false, claim: undefined });
    expect(after.record).to.include({ clientId: 'client', redirectUri: 'https://x.example/cb' });
    expect(after.record?.clientSecret).to.deep.equal(sealed('cs'));
  });

  it('refuses to complete a refresh over tokens stored meanwhile (409)', () => {
    const command: OAuthCommand = {
      type: 'CompleteRefresh',
      data: { ...ref, claimId: 'c1', basedOn: 1, tokens: { tokenType: 'Bearer', accessToken: sealed('a3') } },
    };
    expect(() => when([stored('a1'), stored('a2')], command))
      .to.throw(AppError)
      .with.property('code', 'concurrency_conflict');
  });

  it('records a failed refresh and releases the claim', () => {
    const history = [stored('a1'), started('c1', '2030-01-01T00:00:30.000Z')];
    const events = when(history, {
      type: 'FailRefresh',
      data: { ...ref, claimId: 'c1', basedOn: 1, reauthRequired: false, reason: 'timeout' },
    });
    expect(events).to.have.length(1);
    expect(given([...history, ...events])).to.include({ claim: undefined, reauthRequired: false });
  });
});
