import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (apt-get install -y chromium): never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The docs' screenshots are rewritten only when asked (UPDATE_SCREENSHOTS=1); a plain run keeps them in tmp. */
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
    : join(tmpdir(), 'mcp-api-screenshots');

export interface TestBrowser {
  /** A new tab: its own sessionStorage, so each page signs in on its own. */
  newPage(): Promise<Page>;
  /** Console errors and page errors (a CSP violation shows up here). */
  readonly problems: string[];
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * One headless Chromium per test file with a fresh profile. A missing browser fails the suite
 * rather than skipping it: CI installs the package, so its absence is a broken setup.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  const profile = await mkdtemp(join(tmpdir(), 'mcp-ui-profile-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const problems: string[] = [];
  const watch = (page: Page): Page => {
    page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} ${m.location().url}`));
    page.on('pageerror', (e) => problems.push(e.message));
    return page;
  };
  for (const page of context.pages()) watch(page);
  return {
    problems,
    newPage: async () => watch(await context.newPage()),
    async screenshot(page, name) {
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the console and signs in with `token`; resolves once the navigation is shown. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/ui#/servers`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/**
 * The accessibility basics the console promises, checked on the live DOM: one h1, every form
 * control labelled, every button and link named. Returns what is wrong (empty when all is well).
 */
export function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const named = (el: Element): boolean =>
      (el.textContent ?? '').trim() !== '' ||
      !!el.getAttribute('aria-label') ||
      !!el.getAttribute('aria-labelledby');
    if (document.querySelectorAll('h1').length !== 1)
      problems.push(`${document.querySelectorAll('h1').length} h1 headings`);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      const control = el as HTMLInputElement;
      if ((control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label'))
        problems.push(`unlabelled ${el.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('button, a'))
      if (!named(el)) problems.push(`unnamed ${el.outerHTML.slice(0, 80)}`);
    return problems;
  });
}
