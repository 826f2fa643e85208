import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { waitFor } from '../runtime/processTestUtils.js';
import { launchBrowser, signIn, type TestBrowser } from '../support/browser.js';
import { npmFixtureFiles, NPM_FIXTURE_NAME } from '../support/fixturePackages.js';
import { LocalNpmRegistry } from '../support/localNpmRegistry.js';
import { packageTestEnv } from '../support/packageTestUtils.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** The packages page in Chromium: install from the local test registry with live progress, upgrade, uninstall. */
describe('web console packages page in Chromium', function () {
  this.timeout(90_000);
  let registry: LocalNpmRegistry;
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;
  let cleanupHome: () => Promise<void>;

  before(async () => {
    registry = await LocalNpmRegistry.start();
    await registry.publish(npmFixtureFiles('1.0.0'));
    const { env, cleanup } = await packageTestEnv();
    cleanupHome = cleanup;
    gw = await startTestGateway({ parentEnv: env, packages: { npmRegistry: registry.url } });
    browser = await launchBrowser();
    page = await browser.newPage();
    await signIn(page, gw.url, gw.adminToken);
    await page.getByRole('link', { name: 'Packages' }).click();
    await page.getByRole('heading', { level: 1, name: 'Packages' }).waitFor();
  });
  after(async () => {
    registry?.release();
    await browser?.close();
    await gw?.close();
    await registry?.close();
    await cleanupHome?.();
  });

  it('installs a package and shows its progress while it runs', async () => {
    registry.hold();
    await page.getByLabel('Package name (npm or PyPI)').fill(NPM_FIXTURE_NAME);
    await page.getByLabel('Version (optional)').fill('1.0.0');
    await page.getByLabel('Server name').fill('greeter');
    await page.getByRole('button', { name: 'Install' }).click();
    const progress = page.getByTestId('install-progress');
    await progress.getByText(/^\$ npm install mcp-fixture-pkg@1\.0\.0/).waitFor();
    await waitFor(() => registry.requests.some((r) => r.endsWith('.tgz')), 'npm to ask for the tarball');
    expect(
      await page.getByRole('button', { name: 'Installing…' }).isDisabled(),
      'still running: the tarball is held',
    ).to.equal(true);
    registry.release();
    await page
      .getByRole('status')
      .filter({ hasText: 'Installed mcp-fixture-pkg@1.0.0 as server greeter' })
      .waitFor();
    expect(await progress.textContent()).to.contain('registered server greeter');
    await page.locator('tr[data-package="greeter"]').getByText('installed').waitFor();
    await browser.screenshot(page, 'packages');
  });

  it('shows an available update and upgrades the package', async () => {
    await registry.publish(npmFixtureFiles('2.0.0'));
    await page.getByRole('button', { name: 'Check for updates' }).click();
    const row = page.locator('tr[data-package="greeter"]');
    await row.getByText('2.0.0 (update available)').waitFor();
    await row.getByRole('button', { name: 'Upgrade greeter' }).click();
    await page.getByRole('status').filter({ hasText: 'Upgraded greeter to 2.0.0' }).waitFor();
    expect((await gw.request('GET', '/packages/by-id/greeter')).body.package).to.include({
      version: '2.0.0',
    });
  });

  it('uninstalls after a confirmation', async () => {
    const row = page.locator('tr[data-package="greeter"]');
    await row.getByRole('button', { name: 'Uninstall greeter' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await gw.request('GET', '/packages/by-id/greeter')).status, 'cancel keeps it').to.equal(200);
    await row.getByRole('button', { name: 'Uninstall greeter' }).click();
    await row.getByRole('button', { name: 'Yes, uninstall greeter' }).click();
    await page.getByText('No packages installed.').waitFor();
    expect((await gw.request('GET', '/mcp/servers/greeter')).status).to.equal(404);
    expect(browser.problems).to.deep.equal([]);
  });
});
