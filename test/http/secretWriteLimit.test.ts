import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('per-user rate limit on secret writes', () => {
  let gw: TestGateway;
  let now = Date.parse('2030-01-01T00:00:00Z');
  before(async () => {
    gw = await startTestGateway({
      clock: () => new Date(now),
      security: {
        limits: {
          maxSecretsPerUser: 500,
          maxSecretValueBytes: 1024,
          toolCallsPerMinute: 0,
          toolCallBurst: 1,
          secretWritesPerMinute: 60,
          secretWriteBurst: 3,
        },
      },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('wl', { enabled: false }));
  });
  after(async () => {
    await gw.close();
  });
  const set = (username: string, secretName: string) =>
    gw.request('POST', '/secrets/set', { username, serverName: 'wl', secretName, secretValue: 'v-1234' });

  it('answers 429 with Retry-After past the burst, per user, and refills with time', async () => {
    for (const name of ['A', 'B']) expect((await set('pat', name)).status).to.equal(200);
    expect(
      (await gw.request('POST', '/secrets/delete', { username: 'pat', serverName: 'wl', secretName: 'A' }))
        .status,
      'deletes count too',
    ).to.equal(200);
    const over = await set('pat', 'C');
    expect(over.status).to.equal(429);
    expect(over.body).to.include({ code: 'rate_limited' });
    expect(over.headers.get('retry-after')).to.equal('1');
    expect((await set('quinn', 'A')).status, 'another user has their own bucket').to.equal(200);
    now += 1000;
    expect((await set('pat', 'C')).status).to.equal(200);
  });
});
