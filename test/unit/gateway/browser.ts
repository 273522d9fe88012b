/**
 * Headless Chromium for the dashboard tests (Debian's chromium driven by playwright-core).
 * Shared by the in-memory e2e here and the real-pipeline e2e under test/integration/, so a
 * later pipeline test (sensor replay → detector → gateway) only has to start its producers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const DASHBOARD_DIST = resolve('dashboards/web/dist');
export const SCREENSHOT_DIR = resolve('test-output/screenshots');

/**
 * Builds the dashboard once if dist/ is missing (npm run build:web). Test files run in
 * parallel, so a lock directory makes one of them build while the others wait for it.
 */
export function ensureDashboardBuilt(): string {
  const index = resolve(DASHBOARD_DIST, 'index.html');
  if (existsSync(index)) return DASHBOARD_DIST;
  const lock = resolve('test-output/.dashboard-build-lock');
  mkdirSync(resolve('test-output'), { recursive: true });
  let owner = false;
  try {
    mkdirSync(lock);
    owner = true;
  } catch {
    // another test file is building it
  }
  if (owner) {
    try {
      execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit', timeout: 180_000 });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  } else {
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; !existsSync(index) && existsSync(lock) && waited < 180_000; waited += 200) Atomics.wait(sleeper, 0, 0, 200);
    if (!existsSync(index)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit', timeout: 180_000 });
  }
  return DASHBOARD_DIST;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

export async function openPage(browser: Browser, viewport = { width: 1440, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page: ${err.message}`));
  return { page, problems };
}

export async function login(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.waitForSelector('#login-user', { timeout: 10_000 });
  await page.fill('#login-user', username);
  await page.fill('#login-pass', password);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#conn[data-status="live"]', { timeout: 10_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = resolve(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export async function feedIds(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="feed-row"]', (rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

export async function feedSeverities(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="feed-row"]', (rows) => rows.map((r) => r.getAttribute('data-severity') ?? ''));
}
