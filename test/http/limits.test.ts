import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('per-user limits', () => {
  let gw: TestGateway;
  let now = Date.parse('2030-01-01T00:00:00Z');
  before(async () => {
    gw = await startTestGateway({
      clock: () => new Date(now),
      security: {
        limits: { maxSecretsPerUser: 3, maxSecretValueBytes: 16, toolCallsPerMinute: 60, toolCallBurst: 2 },
      },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('lim'));
    await gw.request('POST', '/mcp/servers', fixtureServer('lim2', { enabled: false }));
    await waitForStatus(gw, 'lim', ['connected']);
  });
  after(async () => {
    await gw.close();
  });
  const set = (username: string, serverName: string, secretName: string, secretValue = 'v-1234') =>
    gw.request('POST', '/secrets/set', { username, serverName, secretName, secretValue });

  it('caps the number of secrets a user holds across servers (409 limit_exceeded), overwrites still work', async () => {
    expect((await set('kim', 'lim', 'A')).status).to.equal(200);
    expect((await set('kim', 'lim', 'B')).status).to.equal(200);
    expect((await set('kim', 'lim2', 'C')).status).to.equal(200);
    const over = await set('kim', 'lim2', 'D');
    expect(over.status).to.equal(409);
    expect(over.body).to.include({ code: 'limit_exceeded', limit: 3 });
    expect((await set('kim', 'lim', 'A', 'v-5678')).status).to.equal(200);
    expect((await set('lee', 'lim', 'A')).status, 'other users have their own quota').to.equal(200);
    await gw.request('POST', '/secrets/delete', { username: 'kim', serverName: 'lim', secretName: 'B' });
    expect((await set('kim', 'lim2', 'D')).status).to.equal(200);
  });

  it('refuses a value larger than the limit in bytes (413 secret_too_large), not characters', async () => {
    expect((await set('max', 'lim', 'OK', 'x'.repeat(16))).status).to.equal(200);
    const big = await set('max', 'lim', 'BIG', 'é'.repeat(9));
    expect(big.status).to.equal(413);
    expect(big.body).to.include({ code: 'secret_too_large', limit: 16 });
    expect(big.text).to.not.contain('éé');
  });

  it(
    'rate-limits tool calls per user with 429 rate_limited and Retry-After; ' +
      'other users are not affected',
    async () => {
      const call = (username: string) =>
        gw.request('POST', '/mcp/tool/call', {
          username,
          serverName: 'lim',
          methodName: 'echo',
          args: { message: 'hi' },
        });
      expect((await call('ned')).status).to.equal(200);
      expect((await call('ned')).status).to.equal(200);
      const limited = await call('ned');
      expect(limited.status).to.equal(429);
      expect(limited.body.code).to.equal('rate_limited');
      expect(limited.headers.get('retry-after')).to.equal('1');
      expect((await call('oli')).status).to.equal(200);
      now += 1000;
      expect((await call('ned')).status).to.equal(200);
      expect((await call('ned')).status).to.equal(429);
    },
  );
});
