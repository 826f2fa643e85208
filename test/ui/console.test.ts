import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { UI_CSP } from '../../src/http/uiRoutes.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { accessibilityProblems, launchBrowser, signIn, type TestBrowser } from '../support/browser.js';
import { FIXTURE_SERVER, startTestGateway, type TestGateway } from '../support/testGateway.js';

/** The web console in a real headless Chromium, against a real gateway and the fixture MCP server. */
describe('web console (/ui) in Chromium', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;
  const SECRET_VALUE = 'console-secret-value-never-shown-0451';
  const ALICE_VALUE = 'alice-secret-value-0452';

  before(async () => {
    gw = await startTestGateway();
    // Typed into the browser, not sent by gw.request: the suite's canary sweep must know them too.
    for (const value of [SECRET_VALUE, ALICE_VALUE]) suiteCanaries.add(value, gw.dataDir);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  const go = async (hash: string, heading: string): Promise<void> => {
    await page.getByRole('link', { name: hash, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };
  const row = (name: string) => page.locator(`tr[data-server="${name}"]`);

  it('is served with a strict Content-Security-Policy and cannot be framed', async () => {
    for (const path of ['/ui', '/ui/app.js', '/ui/style.css']) {
      const res = await fetch(gw.url + path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-security-policy')).to.equal(UI_CSP);
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    }
    expect(UI_CSP)
      .to.contain("default-src 'self'")
      .and.contain("frame-ancestors 'none'")
      .and.not.contain('unsafe-inline');
    expect((await fetch(`${gw.url}/ui/..%2Fsrc%2Fmain.js`)).status).to.equal(404);
    const html = await (await fetch(`${gw.url}/ui`)).text();
    expect(html, 'no inline script').to.not.match(/<script>(?!<\/script>)|<script [^>]*>[^<]+<\/script>/);
  });

  it('refuses a wrong token and signs in with the admin token', async () => {
    await page.goto(`${gw.url}/ui`);
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
    await browser.screenshot(page, 'sign-in');
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();
    browser.problems.length = 0; // the refused token's 401, reported by the browser as a failed load
    await signIn(page, gw.url, gw.adminToken);
    await page.getByText('Signed in as admin').waitFor();
    expect(await page.evaluate(() => document.cookie)).to.equal('');
  });

  it('registers the fixture server and shows it connected with its tools', async () => {
    await page.getByText('Register a server').click();
    await page.getByLabel('Server name').fill('fx');
    await page.getByLabel('Command').fill(process.execPath);
    await page.getByLabel('Arguments (one per line)').fill(FIXTURE_SERVER);
    await page.getByLabel('Secret names the server expects').fill('API_KEY');
    await page.getByRole('button', { name: 'Register server' }).click();
    await page.getByRole('status').filter({ hasText: 'Registered fx' }).waitFor();
    await row('fx').getByText('connected', { exact: true }).waitFor();
    await browser.screenshot(page, 'servers');

    await row('fx').getByRole('link', { name: 'fx', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Server fx' }).waitFor();
    await page.getByRole('heading', { level: 3, name: 'echo', exact: true }).waitFor();
    await page.getByText('Input schema of add', { exact: true }).click();
    expect(await page.locator('details[open] pre').first().textContent()).to.contain('"properties"');
    await browser.screenshot(page, 'server-detail');
  });

  it('disables and enables a server', async () => {
    await go('Servers', 'Servers');
    await row('fx').getByRole('button', { name: 'Disable fx' }).click();
    await row('fx').getByText('disconnected', { exact: true }).waitFor();
    expect((await gw.request('GET', '/mcp/servers/fx')).body.server).to.include({ enabled: false });
    await row('fx').getByRole('button', { name: 'Enable fx' }).click();
    await row('fx').getByText('connected', { exact: true }).waitFor();
  });

  it('sets a secret and shows only its name', async () => {
    await go('My secrets', 'Secrets');
    await page.getByLabel('Secret name').fill('API_KEY');
    await page.getByLabel('Secret value').fill(SECRET_VALUE);
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.locator('[data-secret="fx/API_KEY"]').waitFor();
    expect(await page.getByLabel('Secret value').inputValue(), 'the value field is cleared').to.equal('');
    expect(await page.content()).to.not.contain(SECRET_VALUE);
    await browser.screenshot(page, 'secrets');
  });

  it('calls a tool from the playground with a form generated from its schema', async () => {
    await go('Playground', 'Playground');
    await page.getByLabel('Server').selectOption('fx');
    await page.getByLabel('Tool').selectOption('add');
    await page.getByLabel('a (required)').fill('2');
    await page.getByLabel('b (required)').fill('40');
    await page.getByRole('button', { name: 'Call tool' }).click();
    const result = page.getByTestId('tool-result');
    await result.waitFor();
    expect(await result.locator('[data-block-type="text"]').textContent()).to.equal('42');
    expect(JSON.parse((await page.getByTestId('structured-content').textContent()) ?? '')).to.deep.equal({
      sum: 42,
    });
    await browser.screenshot(page, 'playground');
  });

  it('shows the audit log and the state as of an earlier position', async () => {
    await go('Audit', 'Audit');
    await page.getByLabel('Event types (comma separated)').fill('ServerRegistered,SecretSet');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('table').getByText('2 events').waitFor();
    const registered = page.locator('tr', { hasText: 'ServerRegistered' });
    const position = Number(await registered.getAttribute('data-position'));
    await registered.getByRole('button', { name: `State as of ${position}` }).click();
    const state = page.getByTestId('state-as-of');
    await state.getByRole('heading', { name: new RegExp(`State as of position ${position} `) }).waitFor();
    expect(await state.textContent())
      .to.contain('fx enabled')
      .and.contain('Secret names (0)');
    await page.getByLabel('Position, or a time').fill(String(position + 100));
    await page.getByRole('button', { name: 'Show state' }).click();
    await state.getByText('fx / default: API_KEY').waitFor();
    expect(await page.content()).to.not.contain(SECRET_VALUE);
    await browser.screenshot(page, 'audit');
  });

  it('shows calls per server on the health page', async () => {
    await go('Health', 'Health');
    const fx = page.locator('tr[data-health="fx"]');
    await fx.waitFor();
    expect(await fx.locator('td').nth(2).textContent()).to.equal('1');
    await browser.screenshot(page, 'health');
  });

  it('issues a user token; that user sees only what the user may see', async () => {
    await go('Users and tokens', 'Users and tokens');
    await page.getByLabel('Username').fill('alice');
    await page.getByRole('button', { name: 'Issue token' }).click();
    const token = await page.getByTestId('issued-token').inputValue();
    expect(token).to.match(/^mcpu_/);
    suiteCanaries.add(token, gw.dataDir);
    await browser.screenshot(page, 'users');

    const alice = await browser.newPage();
    try {
      await signIn(alice, gw.url, token);
      await alice.getByText('Signed in as alice').waitFor();
      const nav = (await alice.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
      expect(nav)
        .to.contain('Servers')
        .and.contain('My secrets')
        .and.not.contain('Packages')
        .and.not.contain('Audit')
        .and.not.contain('Users');
      await alice.locator('tr[data-server="fx"]').waitFor();
      expect(await alice.getByRole('button', { name: /Delete|Disable/ }).count()).to.equal(0);
      await alice.getByRole('link', { name: 'My secrets' }).click();
      await alice.getByText('No secrets stored.').waitFor();
      await alice.getByLabel('Secret name').fill('ALICE_KEY');
      await alice.getByLabel('Secret value').fill(ALICE_VALUE);
      await alice.getByRole('button', { name: 'Save secret' }).click();
      await alice.locator('[data-secret="fx/ALICE_KEY"]').waitFor();
      expect(
        await alice.locator('[data-secret]').count(),
        "the admin's secret for default is not shown",
      ).to.equal(1);
      const asAlice = await gw.request('GET', '/secrets?username=alice');
      expect(asAlice.body.secrets).to.deep.equal([{ serverName: 'fx', secretNames: ['ALICE_KEY'] }]);
      await alice.getByRole('link', { name: 'Health' }).click();
      const fxHealth = alice.locator('tr[data-health="fx"]');
      await fxHealth.waitFor();
      expect(await fxHealth.locator('td').nth(2).textContent(), 'calls, shown to a user too').to.equal('1');
      expect(await fxHealth.locator('td').nth(5).textContent()).to.match(/ms$/);
      await alice.goto(`${gw.url}/ui#/audit`);
      expect(
        await alice.getByRole('heading', { level: 1, name: 'Audit' }).count(),
        'no audit page for a user',
      ).to.equal(0);
    } finally {
      await alice.close();
    }
  });

  it('signs out and forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
  });

  it('ran without console errors or CSP violations', () => {
    expect(browser.problems).to.deep.equal([]);
  });

  it('labels every control and names every button and link on every page', async () => {
    await signIn(page, gw.url, gw.adminToken);
    for (const [hash, heading] of [
      ['servers', 'Servers'],
      ['servers/fx', 'Server fx'],
      ['packages', 'Packages'],
      ['users', 'Users and tokens'],
      ['secrets', 'Secrets'],
      ['audit', 'Audit'],
      ['playground', 'Playground'],
      ['health', 'Health'],
    ] as const) {
      await page.goto(`${gw.url}/ui#/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page
        .locator('details')
        .evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
      expect(await accessibilityProblems(page), hash).to.deep.equal([]);
    }
  });
});
