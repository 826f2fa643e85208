import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { DomainEvent } from '../../../src/events/domainEvents.js';
import type { AuthServerModelName } from '../../../src/events/authServerEvents.js';
import { createAccessTokenCheck } from '../../../src/http/authServer/accessTokenCheck.js';
import { recordKey, sealRecord } from '../../../src/http/authServer/recordAdapter.js';
import { evolveAuthServer, initialAuthServer } from '../../../src/projections/authServerProjection.js';
import type { Projector } from '../../../src/projections/projector.js';

const AUDIENCE = 'https://mcp.example.com';
const sealKey = randomBytes(32);
const T0 = Date.parse('2026-07-28T12:00:00Z');

describe('access tokens of the gateway authorization server (in-memory check)', () => {
  let model = initialAuthServer();
  let now = T0;
  const projector = {
    get readModels() {
      return { authServer: model };
    },
  } as unknown as Projector;
  const check = createAccessTokenCheck({
    projector,
    sealKey,
    clock: () => new Date(now),
    audience: AUDIENCE,
  });
  const store = (name: AuthServerModelName, id: string, payload: Record<string, unknown>): void => {
    const key = recordKey(id);
    const event: DomainEvent = {
      type: 'AuthServerRecordStored',
      data: {
        model: name,
        key,
        sealed: sealRecord(sealKey, name, key, payload),
        ...(name === 'Grant' ? { grantId: id } : {}),
      },
    };
    evolveAuthServer(model, event);
  };
  const token = (): string => randomBytes(32).toString('base64url');
  const accessToken = (over: Record<string, unknown> = {}): string => {
    const id = token();
    store('AccessToken', id, {
      accountId: 'alice',
      clientId: 'c1',
      grantId: 'g1',
      aud: AUDIENCE,
      exp: T0 / 1000 + 3600,
      ...over,
    });
    return id;
  };

  beforeEach(() => {
    model = initialAuthServer();
    now = T0;
    store('Grant', 'g1', { accountId: 'alice', clientId: 'c1' });
  });

  it('accepts a live token for this audience and names its user, client and grant', () => {
    expect(check(accessToken())).to.deep.equal({ username: 'alice', clientId: 'c1', grantId: 'g1' });
  });

  it('refuses a token issued for another audience, or for several', () => {
    expect(check(accessToken({ aud: 'https://other.example.com' }))).to.equal(undefined);
    expect(check(accessToken({ aud: [AUDIENCE, 'https://other.example.com'] }))).to.equal(undefined);
  });

  it('refuses an expired token by the gateway clock', () => {
    const id = accessToken();
    now = T0 + 3600_000;
    expect(check(id)).to.equal(undefined);
  });

  it('refuses a token whose grant was revoked', () => {
    const id = accessToken();
    evolveAuthServer(model, { type: 'AuthServerGrantRevoked', data: { grantId: 'g1' } });
    expect(check(id)).to.equal(undefined);
  });

  it('refuses unknown tokens, other shapes, and a record sealed under another key', () => {
    expect(check(token())).to.equal(undefined);
    expect(check('mcpu_not-an-oauth-token')).to.equal(undefined);
    const id = token();
    const key = recordKey(id);
    const foreign = sealRecord(randomBytes(32), 'AccessToken', key, {
      accountId: 'alice',
      clientId: 'c1',
      grantId: 'g1',
      aud: AUDIENCE,
      exp: T0 / 1000 + 3600,
    });
    evolveAuthServer(model, {
      type: 'AuthServerRecordStored',
      data: { model: 'AccessToken', key, sealed: foreign },
    });
    expect(check(id)).to.equal(undefined);
  });
});
