import { expect } from 'chai';
import { secretStreamId, type SecretSetData } from '../../src/events/secretEvents.js';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('POST /secrets/set and /secrets/delete', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('vault'));
  });
  afterEach(async () => {
    await gw.close();
  });

  const echo = async (username: string, name: string): Promise<string> => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'vault',
      methodName: 'echo_secret',
      args: { name },
    });
    return (res.body.data as { content: Array<{ text: string }> }).content[0]!.text;
  };

  it('stores a secret and overwrites it on a second set', async () => {
    expect(
      (
        await gw.request('POST', '/secrets/set', {
          username: 'ann',
          serverName: 'vault',
          secretName: 'K',
          secretValue: 'first-value',
        })
      ).body,
    ).to.deep.equal({ success: true });
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'vault',
      secretName: 'K',
      secretValue: 'second-value',
    });
    expect(await echo('ann', 'K')).to.equal('second-value');
  });

  it('deletes a secret so later calls no longer get it', async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'vault',
      secretName: 'K',
      secretValue: 'some-value',
    });
    const res = await gw.request('POST', '/secrets/delete', {
      username: 'ann',
      serverName: 'vault',
      secretName: 'K',
    });
    expect(res.body).to.deep.equal({ success: true });
    expect(await echo('ann', 'K')).to.equal('undefined');
  });

  it('404s a secret for an unknown server, and deleting a secret that is not set', async () => {
    const set = await gw.request('POST', '/secrets/set', {
      serverName: 'nowhere',
      secretName: 'K',
      secretValue: 'v-123',
    });
    expect(set.status).to.equal(404);
    expect(set.body.code).to.equal('server_not_found');
    const del = await gw.request('POST', '/secrets/delete', { serverName: 'vault', secretName: 'NEVER_SET' });
    expect(del.status).to.equal(404);
    expect(del.body.code).to.equal('secret_not_found');
  });

  it('400s missing or malformed fields, naming them', async () => {
    const res = await gw.request('POST', '/secrets/set', {
      serverName: 'vault',
      secretName: '1bad name',
      secretValue: '',
    });
    expect(res.status).to.equal(400);
    expect(String(res.body.error)).to.contain('secretName').and.contain('secretValue');
    expect(
      (await gw.request('POST', '/secrets/set', { serverName: 'vault', secretName: 'K' })).status,
    ).to.equal(400);
  });

  it('stores only ciphertext bound to its owner: a record moved to another user fails to decrypt', async () => {
    await gw.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'vault',
      secretName: 'TOKEN',
      secretValue: 'alice-only-value',
    });
    const serverId = gw.gateway.projector.readModels.servers.get('vault')!.serverId;
    const [stored] = await gw.store.readStream(secretStreamId(serverId, 'alice'));
    const data = stored!.data as unknown as SecretSetData;
    expect(JSON.stringify(stored)).to.not.contain('alice-only-value');
    // Someone with write access to the store copies alice's ciphertext into bob's record.
    await gw.store.append(
      secretStreamId(serverId, 'bob'),
      [
        {
          type: 'SecretSet',
          data: { ...data, username: 'bob' },
          metadata: { ...stored!.metadata, eventId: 'moved-1' },
        },
      ],
      0,
    );
    await gw.gateway.projector.waitFor(await gw.store.headPosition());
    const res = await gw.request('POST', '/mcp/tool/call', {
      username: 'bob',
      serverName: 'vault',
      methodName: 'echo_secret',
      args: { name: 'TOKEN' },
    });
    expect(res.status).to.equal(500);
    expect(res.body.code).to.equal('secret_undecryptable');
    expect(res.text).to.not.contain('alice-only-value');
    expect(await echo('alice', 'TOKEN')).to.equal('alice-only-value');
  });
});
