import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('user tokens (POST/GET/DELETE /auth/tokens)', () => {
  let gw: TestGateway;
  let now = Date.parse('2030-01-01T00:00:00Z');
  before(async () => {
    gw = await startTestGateway({ clock: () => new Date(now) });
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('tk', { env: { API_BASE: 'https://api.example.test', GITHUB_TOKEN: 'env-token-value' } }),
    );
    await waitForStatus(gw, 'tk', ['connected']);
  });
  after(async () => {
    await gw.close();
  });

  it('issues a token once, lists only its metadata, and the token acts as its user', async () => {
    const issued = await gw.request('POST', '/auth/tokens', { username: 'erin', label: 'laptop' });
    expect(issued.status, issued.text).to.equal(200);
    expect(issued.headers.get('cache-control')).to.equal('no-store');
    const token = String(issued.body.token);
    expect(token).to.match(/^mcpu_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(issued.body).to.include({
      username: 'erin',
      label: 'laptop',
      active: true,
      tokenId: token.slice(5, 37),
    });

    const list = await gw.request('GET', '/auth/tokens?username=erin');
    expect(list.text).to.not.contain(token.slice(38));
    expect(list.text).to.not.contain('tokenHash');
    expect(list.body.tokens).to.deep.equal([
      {
        tokenId: issued.body.tokenId,
        username: 'erin',
        label: 'laptop',
        createdAt: issued.body.createdAt,
        active: true,
      },
    ]);

    const me = await gw.request('GET', '/auth/me', undefined, { token });
    expect(me.body).to.deep.equal({
      success: true,
      authenticated: true,
      role: 'user',
      username: 'erin',
      tokenId: issued.body.tokenId,
    });
  });

  it(
    'defaults the acting user to the token\'s user (not "default") ' +
      'and refuses another username with 403',
    async () => {
      const { token } = await gw.issueToken('frank');
      expect(
        (
          await gw.request(
            'POST',
            '/secrets/set',
            { serverName: 'tk', secretName: 'K', secretValue: 'frank-own-value' },
            { token },
          )
        ).status,
      ).to.equal(200);
      const call = await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'tk', methodName: 'echo_secret', args: { name: 'K' } },
        { token },
      );
      expect((call.body.data as { content: Array<{ text: string }> }).content[0]!.text).to.equal(
        'frank-own-value',
      );
      const asDefault = await gw.request('POST', '/mcp/tool/call', {
        username: 'default',
        serverName: 'tk',
        methodName: 'echo_secret',
        args: { name: 'K' },
      });
      expect((asDefault.body.data as { content: Array<{ text: string }> }).content[0]!.text).to.equal(
        'undefined',
      );
      const other = await gw.request(
        'POST',
        '/secrets/delete',
        { username: 'default', serverName: 'tk', secretName: 'K' },
        { token },
      );
      expect(other.status).to.equal(403);
      expect(other.body.code).to.equal('forbidden');
    },
  );

  it('stops accepting a token once it is revoked, and revoking twice is fine; an unknown id is 404', async () => {
    const { token, tokenId } = await gw.issueToken('gina');
    expect((await gw.request('GET', '/mcp/tools', undefined, { token })).status).to.equal(200);
    expect((await gw.request('DELETE', `/auth/tokens/${tokenId}`)).body).to.deep.equal({ success: true });
    expect((await gw.request('GET', '/mcp/tools', undefined, { token })).status).to.equal(401);
    expect((await gw.request('DELETE', `/auth/tokens/${tokenId}`)).status).to.equal(200);
    const listed = (await gw.request('GET', '/auth/tokens?username=gina')).body.tokens as Array<
      Record<string, unknown>
    >;
    expect(listed[0]).to.include({ active: false });
    expect(listed[0]!.revokedAt).to.be.a('string');
    expect((await gw.request('DELETE', `/auth/tokens/${'f'.repeat(32)}`)).status).to.equal(404);
    expect((await gw.request('DELETE', '/auth/tokens/not-an-id')).status).to.equal(400);
  });

  it('stops accepting a token after its expiresAt, and refuses an expiry in the past', async () => {
    const { token } = await gw.issueToken('hank', { expiresAt: new Date(now + 60_000).toISOString() });
    expect((await gw.request('GET', '/mcp/tools', undefined, { token })).status).to.equal(200);
    now += 61_000;
    expect((await gw.request('GET', '/mcp/tools', undefined, { token })).status).to.equal(401);
    const past = await gw.request('POST', '/auth/tokens', {
      username: 'hank',
      expiresAt: new Date(now - 1).toISOString(),
    });
    expect(past.status).to.equal(400);
    expect(String(past.body.error)).to.contain('expiresAt');
  });

  it('validates the request: username required and well-formed, label bounded', async () => {
    for (const body of [
      {},
      { username: 'a b' },
      { username: 'ok', label: 'x'.repeat(201) },
      { username: 'ok', expiresAt: 'tomorrow' },
    ]) {
      expect((await gw.request('POST', '/auth/tokens', body)).status).to.equal(400);
    }
  });

  it('shows users the servers without env values, stderr logs or pids; admins see the configuration', async () => {
    const { token } = await gw.issueToken('ivy');
    const asUser = ((await gw.request('GET', '/mcp/servers/tk', undefined, { token })).body.server ??
      {}) as Record<string, unknown>;
    expect(asUser.env).to.deep.equal({ API_BASE: '[redacted]', GITHUB_TOKEN: '[redacted]' });
    expect(asUser.logs).to.deep.equal([]);
    expect(asUser).to.not.have.property('pid');
    expect(asUser.toolsList).to.be.an('array').that.is.not.empty;
    const asAdmin = (await gw.request('GET', '/mcp/servers/tk')).body.server as Record<string, unknown>;
    expect(asAdmin.env).to.deep.equal({ API_BASE: 'https://api.example.test', GITHUB_TOKEN: '[redacted]' });
    expect(asAdmin.pid).to.be.a('number');
    const list = (await gw.request('GET', '/mcp/servers', undefined, { token })).body.servers as Array<
      Record<string, unknown>
    >;
    expect(list[0]!.env).to.deep.equal({ API_BASE: '[redacted]', GITHUB_TOKEN: '[redacted]' });
  });

  it('answers 401 with a bearer challenge and no detail about what was wrong', async () => {
    for (const header of [
      undefined,
      'Bearer',
      'Basic abc',
      `Bearer ${gw.adminToken} extra`,
      `Bearer ${'x'.repeat(600)}`,
    ]) {
      const res = await fetch(`${gw.url}/mcp/tools`, {
        headers: header === undefined ? {} : { authorization: header },
      });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal('Bearer realm="mcp-api"');
      expect(await res.json()).to.deep.equal({ success: false, error: 'Unauthorized', code: 'unauthorized' });
    }
    const lower = await fetch(`${gw.url}/mcp/tools`, {
      headers: { authorization: `bearer ${gw.adminToken}` },
    });
    expect(lower.status).to.equal(200);
  });

  it('never logs or records a token in clear', async () => {
    const { token } = await gw.issueToken('jack');
    await gw.request('GET', '/mcp/tools', undefined, { token: `${token}-wrong` });
    await gw.request('GET', '/mcp/tools', undefined, { token });
    const { readFile } = await import('node:fs/promises');
    const eventLog = await readFile(`${gw.dataDir}/events/events.log`, 'utf8');
    expect(eventLog).to.contain('TokenIssued');
    for (const value of [token, token.slice(38), gw.adminToken]) {
      expect(eventLog).to.not.contain(value);
      for (const line of gw.logs) expect(line).to.not.contain(value);
    }
  });
});
