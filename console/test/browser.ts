/** Debian's chromium driven headless by playwright-core, one per test file; screenshots go to the OS temp dir. */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = [process.env.ARRA_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);

/** The browser's path, or why the browser tests are skipped. */
export function findChromium(): { path: string } | { skip: string } {
  const path = CANDIDATES.find((p) => existsSync(p));
  return path ? { path } : { skip: `no chromium at ${CANDIDATES.join(' or ')} (apt-get install chromium, or set ARRA_CHROMIUM)` };
}

export const SCREENSHOTS = join(tmpdir(), 'arra-mq-console-screenshots');

export async function launch(t: Pick<TestContext, 'after'>, path: string): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: path, headless: true, timeout: 60_000, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  t.after(() => browser.close());
  return browser;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A new tab signed in with `token`, on the Devices page. */
export async function signedIn(browser: Browser, server: { url: string; token: string }): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${server.url}/console`);
  await page.fill('input[name=token]', server.token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('nav a[data-page=devices][aria-current=page]');
  return page;
}

export async function openPage(page: Page, name: string): Promise<void> {
  await page.click(`nav a[data-page=${name}]`);
  await page.waitForSelector(`nav a[data-page=${name}][aria-current=page]`);
}
