/**
 * What a newcomer does first: `npm start` as the README says. It must print the dashboard URL
 * and how to log in; logging in through a real browser shows alerts from the bundled demo
 * captures within 30 seconds; SIGINT stops it and leaves no process behind.
 * (Integration project: it runs alone, without the parallel unit suites loading the cores.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchBrowser, login, openPage, screenshot } from '../../unit/gateway/browser.ts';

function descendants(pid: number): number[] {
  // /proc/<pid>/task/<pid>/children lists direct children; walk it recursively.
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.flatMap((child) => [child, ...descendants(child)]);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (the README\'s first command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-start-'));
  let child: ChildProcess | null = null;

  afterAll(() => {
    // The whole process group, also when the test failed half-way.
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the URL and login, shows demo alerts in the browser within 30 s, and stops cleanly on SIGINT', async () => {
    ensureDashboardBuilt();
    const credentialsFile = join(dir, 'gateway-credentials.json');
    child = spawn('npm', ['start'], {
      env: {
        ...process.env,
        // A free port instead of 8080, and state outside the checkout: the rest is README-exact.
        NETSENTINEL_GATEWAY_PORT: '0',
        NETSENTINEL_GATEWAY_CREDENTIALS_FILE: credentialsFile,
        NETSENTINEL_SENSOR_STATE_DIR: dir,
        NETSENTINEL_METRICS_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, like a terminal's foreground job.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const started = Date.now();
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /dashboard at (https?:\/\/\S+)/.exec(stdout);
        if (match) {
          clearInterval(timer);
          resolve(match[1]);
        } else if (Date.now() - started > 60_000 || child!.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`no dashboard URL printed (exit ${child!.exitCode}); stdout: ${stdout}; stderr: ${stderr.slice(-2000)}`));
        }
      }, 100);
    });
    expect(stdout).toContain(`Log in as "admin" with the password in ${credentialsFile}`);
    const { username, password } = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { username: string; password: string };

    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(browser);
      const urlPrinted = Date.now();
      await login(page, url, username, password);
      // Before login the page asks whether a session exists and is told 401: that is expected.
      problems.length = 0;
      await page.click('[data-tab="feed"]');
      await page.waitForSelector('[data-testid="feed-row"]', { timeout: 30_000 });
      const seconds = (Date.now() - urlPrinted) / 1000;
      expect(seconds).toBeLessThan(30);
      const categories = await page.$$eval('[data-testid="feed-row"]', (rows) => rows.map((r) => r.textContent ?? ''));
      expect(categories.length).toBeGreaterThan(0);
      await screenshot(page, 'npm-start-live-feed');
      await page.click('[data-tab="overview"]');
      await screenshot(page, 'npm-start-overview');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }

    const tree = [child.pid!, ...descendants(child.pid!)];
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    // Ctrl-C in a terminal signals the whole foreground process group: npm and node alike.
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const deadline = Date.now() + 10_000;
    while (tree.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tree.filter(alive), `processes left after SIGINT: ${tree.filter(alive).join(', ')}`).toEqual([]);
    expect([0, 130, null]).toContain(code);
  });
});
