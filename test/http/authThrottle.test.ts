import { expect } from 'chai';
import { startTestGateway, testSecurityOptions, type TestGateway } from '../support/testGateway.js';

describe('failed authentications are throttled per source', () => {
  let gw: TestGateway;
  let now = Date.now();

  before(async () => {
    const limits = { ...testSecurityOptions('unused').limits, authFailuresPerMinute: 6, authFailureBurst: 3 };
    gw = await startTestGateway({ clock: () => new Date(now), security: { limits } });
  });
  after(async () => {
    await gw.close();
  });

  it(
    'answers 429 after the burst of failures, logs each failure without the token, ' +
      'and lets the source in again later',
    async () => {
      const bad = 'mcpu_00000000000000000000000000000000_not-a-real-token-canary-000000000000000';
      for (let i = 0; i < 3; i++)
        expect((await gw.request('GET', '/mcp/tools', undefined, { token: bad })).status).to.equal(401);
      // the 4th failure trips the breaker
      expect((await gw.request('GET', '/mcp/tools', undefined, { token: bad })).status).to.equal(401);
      const blocked = await gw.request('GET', '/mcp/tools');
      expect(blocked.status).to.equal(429);
      expect(blocked.body.code).to.equal('rate_limited');
      expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(gw.logs.filter((l) => l.includes('authentication failed')).length).to.equal(4);
      expect(gw.logs.join('\n')).to.not.include('not-a-real-token-canary');
      now += 60_000;
      expect((await gw.request('GET', '/mcp/tools')).status).to.equal(200);
    },
  );

  it('does not count requests that present no credentials (clients discovering OAuth)', async () => {
    now += 60_000;
    for (let i = 0; i < 6; i++)
      expect((await gw.request('GET', '/mcp/tools', undefined, { token: null })).status).to.equal(401);
    expect((await gw.request('GET', '/mcp/tools')).status).to.equal(200);
  });
});
