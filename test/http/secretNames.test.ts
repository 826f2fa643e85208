import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

const VALUE = 'canary-secret-names-value-81aa';

describe('GET /secrets', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false }));
    await gw.request('POST', '/mcp/servers', fixtureServer('beta', { enabled: false }));
    for (const [username, serverName, secretName] of [
      ['ann', 'beta', 'TOKEN'],
      ['ann', 'alpha', 'KEY'],
      ['ann', 'alpha', 'API_KEY'],
      ['bob', 'alpha', 'BOB_KEY'],
    ] as const) {
      await gw.request('POST', '/secrets/set', { username, serverName, secretName, secretValue: VALUE });
    }
  });
  after(async () => {
    await gw.close();
  });

  it('lists the names of a user’s secrets per server, sorted, never a value', async () => {
    const res = await gw.request('GET', '/secrets?username=ann');
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({
      success: true,
      username: 'ann',
      secrets: [
        { serverName: 'alpha', secretNames: ['API_KEY', 'KEY'] },
        { serverName: 'beta', secretNames: ['TOKEN'] },
      ],
    });
    expect(res.text).to.not.contain(VALUE);
  });

  it('shows a user token its own secrets only, and refuses another username with 403', async () => {
    const { token } = await gw.issueToken('bob');
    const own = await gw.request('GET', '/secrets', undefined, { token });
    expect(own.body).to.deep.include({
      username: 'bob',
      secrets: [{ serverName: 'alpha', secretNames: ['BOB_KEY'] }],
    });
    expect((await gw.request('GET', '/secrets?username=ann', undefined, { token })).status).to.equal(403);
  });

  it('forgets names when a secret is deleted, and 400s a malformed username', async () => {
    await gw.request('POST', '/secrets/delete', { username: 'ann', serverName: 'beta', secretName: 'TOKEN' });
    expect((await gw.request('GET', '/secrets?username=ann')).body.secrets).to.deep.equal([
      { serverName: 'alpha', secretNames: ['API_KEY', 'KEY'] },
    ]);
    expect((await gw.request('GET', '/secrets?username=a%20b')).status).to.equal(400);
    expect((await gw.request('GET', '/secrets')).body).to.deep.include({ username: 'default', secrets: [] });
  });
});
