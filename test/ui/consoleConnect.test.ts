import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { startUpstreamAuthServer, type UpstreamAuthServer } from '../fixtures/upstreamAuthServer.js';
import { accessibilityProblems, launchBrowser, signIn, type TestBrowser } from '../support/browser.js';
import { call, remoteServer } from '../support/remote.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** Connect your account (docs/connect-api.md) from the console, with the upstream sign-in in a real tab. */
describe('web console connected accounts in Chromium', function () {
  this.timeout(90_000);
  let as: UpstreamAuthServer;
  let up: RemoteMcpServer;
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    as = await startUpstreamAuthServer();
    up = await startRemoteMcpServer({
      mode: 'streamable',
      auth: { user: (t) => as.userOf(t), authorizationServer: as.issuer },
    });
    as.setResource(up.url);
    gw = await startTestGateway({ oauth: {} });
    const res = await gw.request('POST', '/mcp/servers', remoteServer('upstream', up.url));
    expect(res.status, res.text).to.equal(200);
    browser = await launchBrowser();
    page = await browser.newPage();
    const { token } = await gw.issueToken('alice');
    await signIn(page, gw.url, token);
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await up?.close();
    await as?.close();
  });

  it('connects the account in the authorization server’s tab, then disconnects it', async () => {
    await page.getByRole('link', { name: 'My secrets' }).click();
    await page.getByRole('heading', { name: 'Connected accounts' }).waitFor();
    const row = page.getByRole('listitem', { name: 'Account at upstream' });
    await row.getByText('not connected', { exact: true }).waitFor();
    expect(await accessibilityProblems(page)).to.deep.equal([]);

    const popup = page.waitForEvent('popup');
    await row.getByRole('button', { name: 'Connect upstream' }).click();
    const signInTab = await popup;
    // oidc-provider's development login and consent forms, at the upstream issuer.
    await signInTab.locator('input[name="login"]').waitFor();
    expect(new URL(signInTab.url()).origin).to.equal(as.issuer);
    await signInTab.locator('input[name="login"]').fill('alice-upstream');
    await signInTab.locator('input[name="password"]').fill('any');
    await signInTab.locator('button[type="submit"]').click();
    const connected = signInTab.getByText('Account connected');
    const consent = signInTab.getByRole('button', { name: 'Continue' });
    await connected.or(consent).first().waitFor();
    if (await consent.count()) await consent.click();
    await connected.waitFor();
    await signInTab.close();

    // The console looks again by itself and shows the account connected.
    await row.getByText('connected', { exact: true }).waitFor();
    expect((await call(gw, 'upstream', 'whoami', {}, 'alice')).output).to.equal('alice-upstream');
    await browser.screenshot(page, 'connected-accounts');
    expect(await accessibilityProblems(page)).to.deep.equal([]);

    await row.getByRole('button', { name: 'Disconnect upstream' }).click();
    await row.getByRole('button', { name: 'Yes, disconnect upstream' }).click();
    await page.getByRole('status').filter({ hasText: 'Disconnected upstream' }).waitFor();
    await row.getByText('not connected', { exact: true }).waitFor();
    const status = await gw.request('GET', '/mcp/servers/upstream/oauth?username=alice');
    expect(status.body).to.include({ connected: false });
  });

  it('ran without console errors or CSP violations', () => {
    expect(browser.problems).to.deep.equal([]);
  });
});
