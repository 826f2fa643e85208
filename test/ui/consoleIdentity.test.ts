import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startIdentityProvider, type TestIdentityProvider } from '../fixtures/identityProvider.js';
import { accessibilityProblems, launchBrowser, signIn, type TestBrowser } from '../support/browser.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/**
 * Identity in the console, in Chromium: users and groups, the access policy, and signing in
 * through the gateway's OAuth sign-in federated to a real OpenID Connect provider hosted here.
 */
describe('web console identity pages in Chromium', function () {
  this.timeout(90_000);
  let gw: TestGateway;
  let idp: TestIdentityProvider;
  let browser: TestBrowser;
  let admin: Page;
  const ALICE = 'alice@example.test';

  before(async () => {
    idp = await startIdentityProvider({ 'alice-login': { email: ALICE, groups: ['eng'] } });
    gw = await startTestGateway({
      oauth: {
        federation: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          usernameClaim: 'email',
          groupsClaim: 'groups',
        },
      },
    });
    idp.register(`${gw.url}/auth/oidc/callback`);
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
    browser = await launchBrowser();
    admin = await browser.newPage();
    await signIn(admin, gw.url, gw.adminToken);
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await idp?.close();
  });

  it('registers a user with groups, edits them and lists the members of each group', async () => {
    await admin.goto(`${gw.url}/ui#/groups`);
    await admin.getByRole('heading', { level: 1, name: 'Users and groups' }).waitFor();
    await admin.getByLabel('Username').fill('bob');
    await admin.getByLabel('Groups (comma-separated)').fill('ops');
    await admin.getByRole('button', { name: 'Register user' }).click();
    await admin.locator('tr[data-user="bob"]').waitFor();
    await admin.getByLabel('Groups of bob').fill('ops, eng');
    await admin.getByRole('button', { name: 'Save groups of bob' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved the groups of bob' }).waitFor();
    const bob = (await gw.request('GET', '/users/bob')).body.user as { groups: string[] };
    expect(bob.groups).to.have.members(['ops', 'eng']);
    expect(await admin.locator('[data-group="eng"]').textContent()).to.equal('bob');
    await browser.screenshot(admin, 'groups');
  });

  it('adds allow and deny rules, shows the effective rules of a user and deletes a rule', async () => {
    await admin.goto(`${gw.url}/ui#/policy`);
    await admin.getByRole('heading', { level: 1, name: 'Access policy' }).waitFor();
    await admin.getByTestId('policy-state').filter({ hasText: 'No rules' }).waitFor();
    const addRule = async (effect: string, subjects: string, name: string, id: string): Promise<void> => {
      await admin.getByLabel('Effect').selectOption(effect);
      await admin.getByLabel('Subjects (comma-separated: *, user:alice, group:eng)').fill(subjects);
      await admin.getByLabel('Server (pattern)').fill('fx');
      await admin.getByLabel('Name (pattern)').fill(name);
      await admin.getByLabel('Rule id (optional)').fill(id);
      await admin.getByRole('button', { name: 'Add rule' }).click();
      await admin.locator(`tr[data-rule="${id}"]`).waitFor();
    };
    await addRule('allow', 'group:eng', 'echo*', 'eng-echo');
    await addRule('deny', 'user:bob', 'echo_secret', 'no-secrets-for-bob');
    await addRule('allow', 'user:carol', '*', 'carol-all');
    const policy = (await gw.request('GET', '/policy')).body as {
      rules: Array<{ id: string; effect: string }>;
    };
    expect(policy.rules.map((r) => `${r.effect} ${r.id}`)).to.deep.equal([
      'allow eng-echo',
      'deny no-secrets-for-bob',
      'allow carol-all',
    ]);
    await admin.getByLabel('User', { exact: true }).fill('bob');
    await admin.getByRole('button', { name: 'Show effective rules' }).click();
    const effective = admin.getByRole('region', { name: 'Effective rules of bob' });
    await effective.waitFor();
    expect(
      await effective
        .locator('[data-effective-rule]')
        .evaluateAll((l) => l.map((e) => e.getAttribute('data-effective-rule'))),
    ).to.deep.equal(['eng-echo', 'no-secrets-for-bob']);
    const mayUse = (await effective.locator('[data-may-use="fx"]').textContent()) ?? '';
    expect(mayUse).to.contain('echo').and.contain('echo_args').and.not.contain('echo_secret');
    await admin.getByLabel('Server', { exact: true }).fill('fx');
    await admin.getByLabel('Name', { exact: true }).fill('echo_secret');
    await admin.getByRole('button', { name: 'Check access' }).click();
    await effective.getByText('Denied (denied, rule no-secrets-for-bob)').waitFor();
    await browser.screenshot(admin, 'policy');
    await admin.getByRole('button', { name: 'Delete rule carol-all' }).click();
    await admin.getByRole('button', { name: 'Yes, delete carol-all' }).click();
    await admin.locator('tr[data-rule="carol-all"]').waitFor({ state: 'detached' });
    const after = (await gw.request('GET', '/policy')).body as { rules: Array<{ id: string }> };
    expect(after.rules.map((r) => r.id)).to.deep.equal(['eng-echo', 'no-secrets-for-bob']);
  });

  /** The provider's own consent (its development page) comes before the gateway's; it may not. */
  const passProviderConsent = async (page: Page): Promise<void> => {
    const gateway = page.getByRole('heading', { name: 'Allow access?' });
    for (let i = 0; i < 3 && !(await gateway.isVisible()); i++) {
      await page.waitForLoadState('domcontentloaded');
      if (new URL(page.url()).host === new URL(idp.issuer).host) {
        const button = page.locator('button[type="submit"]');
        if (await button.isVisible()) await button.click();
      }
      await gateway.or(page.locator('button[type="submit"]')).first().waitFor();
    }
  };

  it('signs a user in through the OAuth sign-in and the identity provider', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/ui`);
    await page.getByRole('button', { name: 'Sign in with your account' }).waitFor();
    await browser.screenshot(page, 'sign-in-oauth');
    await page.getByRole('button', { name: 'Sign in with your account' }).click();
    await page.getByRole('link', { name: /^Sign in with localhost/ }).click();
    await page.locator('input[name="login"]').fill('alice-login');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await passProviderConsent(page);
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    expect(await page.content())
      .to.contain('mcp-api console')
      .and.contain(`${gw.url}/ui`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText(`Signed in as ${ALICE}`).waitFor();
    expect(page.url(), 'the code is gone from the address').to.not.contain('code=');
    const nav = (await page.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
    expect(nav).to.contain('Connected clients').and.not.contain('Access policy');
    // Alice's groups came from the identity provider: the policy lets her use echo tools only.
    await page.goto(`${gw.url}/ui#/playground/fx`);
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    const tools = await page.getByLabel('Tool').locator('option').allTextContents();
    expect(tools.length).to.be.above(0);
    for (const t of tools) expect(t).to.match(/^echo/);
    // Signing out revokes the access token, not only forgets it.
    const token = await page.evaluate(() => sessionStorage.getItem('mcp-api.console.token'));
    expect((await gw.request('GET', '/auth/me', undefined, { token })).status).to.equal(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++)
      status = (await gw.request('GET', '/auth/me', undefined, { token })).status;
    expect(status, 'the token is revoked').to.equal(401);
    await page.close();
  });

  it("lists the user's connected clients and revokes one; the console's own token then stops working", async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/ui`);
    await page.getByRole('button', { name: 'Sign in with your account' }).click();
    // The gateway remembers alice's browser session: consent again at most, or straight back.
    const consent = page.getByRole('heading', { name: 'Allow access?' });
    const signedIn = page.getByText(`Signed in as ${ALICE}`);
    const federate = page.getByRole('link', { name: /^Sign in with localhost/ });
    await consent.or(signedIn).or(federate).first().waitFor();
    if (await federate.isVisible()) {
      await federate.click();
      await passProviderConsent(page);
    }
    if (await consent.isVisible()) await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText(`Signed in as ${ALICE}`).waitFor();
    await page.getByRole('link', { name: 'Connected clients' }).click();
    const console = page.locator('[data-client="mcp-api console"]');
    await console.first().waitFor();
    await browser.screenshot(page, 'connected-clients');
    await page.getByRole('button', { name: 'Revoke mcp-api console' }).first().click();
    await page.getByRole('button', { name: 'Yes, revoke it' }).click();
    // The revoked grant held this tab's own token: the next call is refused and the console signs out.
    await page.getByRole('heading', { name: 'Sign in to mcp-api' }).waitFor();
    const left = await gw.request('GET', `/auth/clients?username=${encodeURIComponent(ALICE)}`);
    expect(left.body.clients).to.deep.equal([]);
    await page.close();
  });

  it('labels every control and names every button and link on the identity pages', async () => {
    for (const [hash, heading] of [
      ['groups', 'Users and groups'],
      ['policy', 'Access policy'],
      ['clients', 'Connected clients'],
      ['health', 'Health'],
    ] as const) {
      await admin.goto(`${gw.url}/ui#/${hash}`);
      await admin.getByRole('heading', { level: 1, name: heading }).waitFor();
      expect(await accessibilityProblems(admin), hash).to.deep.equal([]);
    }
  });

  it('ran without console errors or CSP violations', () => {
    // The revoked token's refused call is reported by the browser as a failed load; nothing else may be.
    // The provider's development pages (fonts from the Internet, no favicon) are not ours.
    const ours = browser.problems.filter((p) => !p.includes(idp.issuer) && !p.includes('fonts.googleapis'));
    expect(ours.filter((p) => !/status of 401/.test(p))).to.deep.equal([]);
  });
});
