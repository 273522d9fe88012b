/**
 * The dashboard in a real headless Chromium against a gateway fed through the in-memory bus:
 * login, live feed latency, chips and search, triage that survives a reload, every tab
 * screenshotted (test-output/screenshots), no secret in the page, no CSP violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import type { Serde } from '../../../services/common/serde/port.ts';
import { topicNames } from '../../../services/common/topics.ts';
import type { Alert } from '../../../services/common/model.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { ensureDashboardBuilt, feedIds, feedSeverities, launchBrowser, login, openPage, screenshot } from './browser.ts';
import { makeAlert, makeHeartbeat } from './fixtures.ts';
import { API_KEY, PASSWORD, testConfig, USERNAME } from './harness.ts';

describe('dashboard in headless Chromium (in-memory bus)', () => {
  let browser: Browser;
  let gateway: RunningGateway;
  let bus: MemoryBus;
  let serde: Serde;
  const config = testConfig({ 'gateway.port': 0, 'gateway.ws.statsIntervalMs': 500, 'gateway.dashboardDir': ensureDashboardBuilt() });
  const topics = topicNames(config);

  async function publish(alerts: Alert[]): Promise<void> {
    await bus.produce(topics.alerts, alerts.map((a) => ({ key: a.src, value: serde.encode('alert', a) })));
  }

  beforeAll(async () => {
    bus = new MemoryBus({ partitions: 2 });
    serde = createSerde(config, silentLogger);
    await serde.init();
    gateway = await startGateway(config, silentLogger, { bus, serde });
    await gateway.consuming;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows published alerts in the Live Feed within 2 s, filters them, and keeps triage across a reload', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(gateway.url);
    await page.waitForSelector('#login-user');
    await screenshot(page, 'login');
    await login(page, gateway.url, USERNAME, PASSWORD);
    // the page holds no secret: no key in the HTML, the session cookie is out of script's reach
    expect(await page.content()).not.toContain(API_KEY);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(PASSWORD);

    const now = Date.now();
    await bus.produce(topics.heartbeats, [
      { key: 'sensor-a', value: serde.encode('heartbeat', makeHeartbeat({ sensorId: 'sensor-a', hostname: 'edge-fw-01', ts: now, addresses: ['10.0.0.2', '192.168.1.1'] })) },
      { key: 'sensor-b', value: serde.encode('heartbeat', makeHeartbeat({ sensorId: 'sensor-b', hostname: 'dmz-tap-02', ts: now - 120_000, mode: 'live', input: 'eth1' })) },
    ]);
    await page.click('[data-tab="feed"]');
    const background = [
      makeAlert({ severity: 'HIGH', category: 'port_scan', src: '10.0.0.66', ts: now, lastSeen: now }),
      makeAlert({ severity: 'MEDIUM', category: 'dns_tunnelling', src: '10.0.0.77', title: 'DNS tunnelling: 64-char labels to x.exfil.example', mitre: { tactic: 'Command and Control', tacticId: 'TA0011', technique: 'DNS', techniqueId: 'T1071.004' }, lastSeen: now }),
      makeAlert({ severity: 'LOW', category: 'suspicious_port', src: '10.0.0.88', dstPort: 4444, lastSeen: now }),
      makeAlert({ severity: 'CRITICAL', category: 'arp_spoofing', src: '192.168.1.1', title: 'ARP spoofing: 192.168.1.1 moved to 66:77:88:99:aa:bb', intel: { verdict: 'HIGH', entity: '192.168.1.1', source: 'virustotal', malicious: 5, suspicious: 1, reputation: -20, multiplier: 0.25 }, lastSeen: now }),
    ];
    const published = Date.now();
    await publish(background);
    await page.waitForSelector(`[data-testid="feed-row"][data-id="${background[3].id}"]`, { timeout: 2000 });
    const latencyMs = Date.now() - published;
    expect(latencyMs).toBeLessThan(2000);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-row"]').length >= n, 4, { timeout: 2000 });

    // severity chips
    await page.click('[data-testid="chip-CRITICAL"]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="feed-row"]')).every((r) => r.getAttribute('data-severity') === 'CRITICAL'));
    expect(await feedSeverities(page)).toEqual(['CRITICAL']);
    await page.click('[data-testid="chip-ALL"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-row"]').length === 4);
    // full-text search
    await page.fill('#feed-search', 'tunnelling');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-row"]').length === 1);
    expect(await feedIds(page)).toEqual([background[1].id]);
    // a live alert that does not match the search stays out; one that matches comes in
    const extra = [makeAlert({ severity: 'HIGH', title: 'port scan again', lastSeen: now }), makeAlert({ severity: 'HIGH', category: 'dns_tunnelling', title: 'DNS tunnelling: TXT burst', lastSeen: now })];
    await publish(extra);
    await page.waitForSelector(`[data-id="${extra[1].id}"]`, { timeout: 2000 });
    expect(await feedIds(page)).not.toContain(extra[0].id);
    await page.fill('#feed-search', '');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-row"]').length === 6);

    // a revision that raises an incident to CRITICAL (a VirusTotal verdict after the attack) is
    // toasted like a new alert; one that raises nothing is not
    const toastTexts = () => page.$$eval('.toast', (els) => els.map((e) => e.textContent ?? ''));
    const quiet = { ...background[1], revision: 1, count: 9 };
    const raised = { ...background[2], revision: 1, severity: 'CRITICAL' as const, title: 'Suspicious port: 10.0.0.88 -> 4444  [VT:CRITICAL — 12 malicious]' };
    await publish([quiet, raised]);
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`)?.getAttribute('data-severity') === 'CRITICAL', raised.id, { timeout: 2000 });
    const toasts = await toastTexts();
    expect(toasts[0]).toContain('[CRITICAL]');
    expect(toasts[0]).toContain('[VT:CRITICAL — 12 malicious]');
    expect(toasts.filter((t) => t.includes('DNS tunnelling: 64-char'))).toEqual([]);

    // expand a row: evidence, MITRE, intel verdict
    await page.click(`[data-id="${background[3].id}"] .feed-row-main`);
    const detail = await page.textContent(`[data-id="${background[3].id}"] [data-testid="feed-detail"]`);
    expect(detail).toContain('MITRE ATT&CK');
    expect(detail).toContain('T1046');
    expect(await page.textContent(`[data-id="${background[3].id}"] [data-testid="intel-verdict"]`)).toBe('HIGH');
    await screenshot(page, 'feed');

    // acknowledge from the feed; it persists across a reload
    await page.click(`[data-id="${background[0].id}"] [data-action="acknowledge"]`);
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"] [data-testid="state"]`)?.textContent === 'acknowledged', background[0].id, { timeout: 3000 });
    await page.reload();
    await page.waitForSelector('#conn[data-status="live"]');
    await page.waitForSelector(`[data-id="${background[0].id}"]`);
    expect(await page.textContent(`[data-id="${background[0].id}"] [data-testid="state"]`)).toBe('acknowledged');
    expect((await gateway.context.store.get(background[0].id))?.stateBy).toBe(USERNAME);

    // click an address: every alert of it
    await page.click(`[data-id="${background[3].id}"] .addr >> nth=0`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-row"]').length === 1);
    expect(await feedIds(page)).toEqual([background[3].id]);
    await page.click('.address-filter .x');

    // the other tabs, on a laptop and on a wall screen
    await page.click('[data-tab="overview"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="threat-level"]')?.textContent === 'CRITICAL', undefined, { timeout: 3000 });
    // the ARP incident, and the one the late verdict raised
    expect(await page.textContent('[data-testid="count-CRITICAL"]')).toBe('2');
    await screenshot(page, 'overview');
    await page.click('[data-tab="sensors"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sensor-card"]').length === 2, undefined, { timeout: 3000 });
    expect(await page.textContent('[data-testid="sensors-header"]')).toBe('SENSORS — 1 ONLINE / 2 TOTAL');
    await screenshot(page, 'sensors');
    await page.click('[data-tab="analytics"]');
    await page.waitForTimeout(300);
    await screenshot(page, 'analytics');
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.click('[data-tab="overview"]');
    await page.waitForTimeout(300);
    await screenshot(page, 'overview-wall');
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.click('[data-tab="feed"]');
    await page.waitForTimeout(300);
    await screenshot(page, 'feed-small');

    expect(await page.content()).not.toContain(API_KEY);
    // the only errors allowed are the 401s of /api/me before logging in (how the page learns it must show the form)
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    expect(problems.length).toBeLessThanOrEqual(2);
  });

  it('shows the connection going down and catches up after the gateway comes back', async () => {
    const { page } = await openPage(browser);
    await login(page, gateway.url, USERNAME, PASSWORD);
    // the unseen badge counts new alerts while the feed is not open
    await page.click('[data-tab="overview"]');
    await publish([makeAlert({ severity: 'LOW' }), makeAlert({ severity: 'LOW' })]);
    await page.waitForFunction(() => document.querySelector('[data-testid="unseen"]')?.textContent === '2', undefined, { timeout: 3000 });
    // drop every socket: the page shows it, reconnects, and reloads what it missed
    for (const client of (gateway.context.hub as unknown as { clients: Set<{ socket: { terminate(): void } }> }).clients) client.socket.terminate();
    await page.waitForSelector('#conn[data-status="reconnecting"]', { timeout: 3000 });
    const missed = makeAlert({ severity: 'MEDIUM', title: 'published while the page was away' });
    await gateway.context.store.upsert([missed], Date.now());
    await page.waitForSelector('#conn[data-status="live"]', { timeout: 10_000 });
    await page.click('[data-tab="feed"]');
    await page.waitForSelector(`[data-id="${missed.id}"]`, { timeout: 3000 });
    expect(await page.textContent('[data-testid="unseen"]')).toBe('0');
  });
});
