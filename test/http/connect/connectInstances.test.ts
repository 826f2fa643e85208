import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { EventStore } from '../../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../../src/events/memoryEventStore.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { startUpstreamAuthServer, type UpstreamAuthServer } from '../../fixtures/upstreamAuthServer.js';
import { TestBrowser } from '../../support/formBrowser.js';
import { call, remoteServer } from '../../support/remote.js';
import { startTestGateway, type TestGateway } from '../../support/testGateway.js';

/**
 * Two gateway instances behind one PUBLIC_URL, on one store (the deployment the multi-instance
 * docs describe): a connection started on one instance completes on the other. Nothing of it is
 * in an instance's memory: the pending connection and the client registration are events, the
 * browser binding and the link owner are cookies keyed from the shared master key.
 */
describe('connect your account across two gateway instances', () => {
  let as: UpstreamAuthServer;
  let up: RemoteMcpServer;
  let store: EventStore;
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    as = await startUpstreamAuthServer();
    up = await startRemoteMcpServer({
      mode: 'streamable',
      auth: { user: (t) => as.userOf(t), authorizationServer: as.issuer },
    });
    as.setResource(up.url);
    store = createMemoryEventStore();
    const linkKey = randomBytes(32);
    a = await startTestGateway({ store, security: { linkKey } });
    // Both answer as instance a's URL (their shared PUBLIC_URL); the test sends requests to either.
    b = await startTestGateway({ store, security: { linkKey, publicUrl: a.url } });
    const res = await a.request('POST', '/mcp/servers', remoteServer('upstream', up.url));
    expect(res.status, res.text).to.equal(200);
  });
  after(async () => {
    await a.close();
    await b.close();
    await store.close();
    await up.close();
    await as.close();
  });

  it('starts on one instance and completes on the other', async () => {
    const { token } = await a.issueToken('gina');
    const browser = new TestBrowser((url) => url.pathname === '/auth/upstream/callback');
    // The link is asked for on b (its URLs name the shared public URL) and opened on b.
    const made = await browser.fetch(`${b.url}/mcp/servers/upstream/oauth/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const link = new URL(String((JSON.parse(made.text) as { url: string }).url));
    const authorize = await browser.fetch(`${b.url}${link.pathname}${link.search}`);
    expect(authorize.url.origin).to.equal(as.issuer);
    let page = await browser.submit(authorize, { login: 'gina-upstream', password: 'any' });
    if (/name="prompt" value="consent"/.test(page.text)) page = await browser.submit(page, {});
    expect(page.url.pathname).to.equal('/auth/upstream/callback');
    // The callback lands on instance a, with the cookie instance b set.
    const res = await fetch(`${a.url}${page.url.pathname}${page.url.search}`, {
      headers: { cookie: browser.cookieHeader(`${b.url}/`) },
      redirect: 'manual',
    });
    expect(res.status, await res.text()).to.equal(200);
    for (const gw of [a, b])
      expect((await call(gw, 'upstream', 'whoami', {}, 'gina')).output).to.equal('gina-upstream');
  });
});
