import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('concurrent writes for one user (no 409 storms)', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('vault', { enabled: false }));
  });
  afterEach(async () => {
    await gw.close();
  });

  it('answers 16 concurrent POST /secrets/set on one stream with 16 successes', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `KEY_${i}`);
    const results = await Promise.all(
      names.map((secretName) =>
        gw.request('POST', '/secrets/set', {
          username: 'ann',
          serverName: 'vault',
          secretName,
          secretValue: `value-${secretName}`,
        }),
      ),
    );
    expect(results.map((r) => r.status)).to.deep.equal(names.map(() => 200));
    const stored = (await gw.store.readAll(0))
      .filter((e) => e.type === 'SecretSet')
      .map((e) => (e.data as { secretName: string }).secretName);
    expect(stored.sort()).to.deep.equal([...names].sort());
  });
});
