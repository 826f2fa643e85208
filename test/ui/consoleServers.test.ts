import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/** 1×1 transparent PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Server management, keyboard use, token revocation and result rendering in the console. */
describe('web console server management in Chromium', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;
  const HEADER_VALUE = 'console-remote-header-canary-77d1';

  before(async () => {
    gw = await startTestGateway();
    suiteCanaries.add(HEADER_VALUE, gw.dataDir);
    await gw.request('POST', '/mcp/servers', fixtureServer('ed'));
    await gw.request('POST', '/mcp/servers', fixtureServer('doomed', { enabled: false }));
    await waitForStatus(gw, 'ed', ['connected']);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('signs in with the keyboard alone', async () => {
    await page.goto(`${gw.url}/ui`);
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('token');
    await page.keyboard.type(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as admin').waitFor();
  });

  it('edits a server from its page', async () => {
    await page.goto(`${gw.url}/ui#/servers/ed`);
    await page.getByRole('heading', { level: 1, name: 'Server ed' }).waitFor();
    await page.getByText('Edit ed').click();
    await page.getByLabel('Secret names the server expects').fill('ALPHA, BETA');
    await page.getByRole('button', { name: 'Save ed' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved ed' }).waitFor();
    const server = (await gw.request('GET', '/mcp/servers/ed')).body.server as Record<string, unknown>;
    expect(server.secretNames).to.deep.equal(['ALPHA', 'BETA']);
    await page.getByText('ALPHA, BETA').first().waitFor();
  });

  it("streams a server's log lines while the page is open, without reloading", async () => {
    await page.goto(`${gw.url}/ui#/servers/ed`);
    const logs = page.getByLabel('Recent logs of ed');
    await logs.waitFor();
    // The page shows logs only from the stream (the polled GET is used for status and tools).
    await page.getByText('Log stream: live').waitFor();
    const call = { serverName: 'ed', methodName: 'log_stderr', args: { message: 'console-live-log-line' } };
    expect((await gw.request('POST', '/mcp/tool/call', call)).status).to.equal(200);
    await logs.getByText('console-live-log-line').waitFor();
  });

  it('registers a remote server; its credential header is never shown', async () => {
    await page.goto(`${gw.url}/ui#/servers`);
    await page.getByText('Register a server').click();
    await page.getByLabel('Server name').fill('far');
    await page.getByLabel('Transport').selectOption('streamable_http');
    await page.getByLabel('URL').fill('http://127.0.0.1:9/mcp');
    await page.getByLabel('Headers (Name: value per line)').fill(`Authorization: Bearer ${HEADER_VALUE}`);
    await page.getByLabel('Start it now (enabled)').uncheck();
    await page.getByRole('button', { name: 'Register server' }).click();
    await page.locator('tr[data-server="far"]').waitFor();
    const far = (await gw.request('GET', '/mcp/servers/far')).body.server as Record<string, unknown>;
    expect(far).to.include({ transportType: 'streamable_http', enabled: false });
    expect(far.headers).to.deep.equal({ Authorization: '[redacted]' });
    await page.goto(`${gw.url}/ui#/servers/far`);
    await page.getByText('Edit far').click();
    expect(await page.getByLabel('Headers (Name: value per line)').inputValue()).to.equal(
      'Authorization: [redacted]',
    );
    expect(await page.content()).to.not.contain(HEADER_VALUE);
  });

  it('deletes a server only after a confirmation', async () => {
    await page.goto(`${gw.url}/ui#/servers`);
    const row = page.locator('tr[data-server="doomed"]');
    await row.getByRole('button', { name: 'Delete doomed' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await gw.request('GET', '/mcp/servers/doomed')).status).to.equal(200);
    await row.getByRole('button', { name: 'Delete doomed' }).click();
    await row.getByRole('button', { name: 'Yes, delete doomed' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted doomed' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await gw.request('GET', '/mcp/servers/doomed')).status).to.equal(404);
  });

  it('revokes a user token', async () => {
    const { token } = await gw.issueToken('carol', { label: 'laptop' });
    await page.goto(`${gw.url}/ui#/users`);
    await page.getByRole('button', { name: 'Revoke token laptop of carol' }).click();
    await page.getByRole('button', { name: 'Yes, revoke it' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked a token of carol' }).waitFor();
    await page.getByRole('cell', { name: 'revoked' }).waitFor();
    expect((await gw.request('GET', '/auth/me', undefined, { token })).status).to.equal(401);
  });

  it('renders text and image blocks of a tool result (images allowed by the CSP as data: URLs)', async () => {
    // The fixture server returns no images: the answer is replaced at the network edge.
    await page.route('**/mcp/tool/call', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          success: true,
          data: {
            content: [
              { type: 'text', text: 'a picture' },
              { type: 'image', mimeType: 'image/png', data: PNG },
            ],
          },
        }),
      }),
    );
    await page.goto(`${gw.url}/ui#/playground/ed`);
    await page.getByLabel('Tool').selectOption('echo');
    await page.getByLabel('message (required)').fill('x');
    await page.getByRole('button', { name: 'Call tool' }).click();
    const image = page.getByRole('img', { name: 'Image 2 returned by the tool' });
    await image.waitFor();
    expect(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).to.equal(1);
    expect(await page.getByTestId('tool-result').locator('pre').first().textContent()).to.equal('a picture');
    await page.unroute('**/mcp/tool/call');
  });

  it('ran without console errors or CSP violations', () => {
    expect(browser.problems).to.deep.equal([]);
  });
});
