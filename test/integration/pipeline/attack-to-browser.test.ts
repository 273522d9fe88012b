/**
 * The whole distributed pipeline on the real services, watched from a real browser: a sensor
 * replays attack captures into Kafka, a detector worker (state in Redis) raises alerts, the
 * gateway streams them; every alert is in the Live Feed within 2 s of being published, severity
 * chips and search filter them, and an acknowledgement survives a reload and a gateway restart.
 * Each tab is screenshotted into test-output/screenshots/ (pipeline-*.png).
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import type { Bus, Subscription } from '../../../services/common/bus/port.ts';
import type { Alert } from '../../../services/common/model.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import type { Serde } from '../../../services/common/serde/port.ts';
import { createRedisStore, type RedisStore } from '../../../services/common/state/redis-store.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { DetectorWorker } from '../../../services/detector/worker.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { RedisAlertStore } from '../../../services/gateway/store/redis-alert-store.ts';
import { HeartbeatEmitter } from '../../../services/sensor/heartbeat.ts';
import { replayCaptures } from '../../../services/sensor/replay.ts';
import { newCounters } from '../../../services/sensor/sensor-counters.ts';
import { loadSensorIdentity } from '../../../services/sensor/sensor-identity.ts';
import { ensureDashboardBuilt, launchBrowser, login, openPage, screenshot } from '../../unit/gateway/browser.ts';
import { PASSWORD, testConfig, USERNAME } from '../../unit/gateway/harness.ts';

const PCAPS = resolve('../shared/pcaps');
// Three attacks of three categories: a SYN flood, an IRC C2 channel, PsExec lateral movement.
const CAPTURES = ['synflood/syn_200_exact_threshold_crafted_suricata.pcap', 'c2/irc_session_port6667_suricata.pcap', 'lateral/psexec_add_user_smb2.pcap'].map((f) => resolve(PCAPS, f));

describe('sensor replay → Kafka → detector (Redis) → gateway → browser', () => {
  const services = inject('services');
  const run = randomUUID().slice(0, 8);
  const config = testConfig({
    'gateway.port': 0,
    'gateway.store': 'redis',
    'gateway.replicaId': `pipe-${run}`,
    'gateway.dashboardDir': ensureDashboardBuilt(),
    'kafka.brokers': services.kafkaBrokers,
    'registry.url': services.registryUrl,
    'redis.url': services.redisUrl,
    'redis.keyPrefix': `pipe-${run}:`,
    'topics.prefix': `pipe-${run}.`,
    'detector.groupId': `pipe-${run}-detectors`,
    'sensor.id': `sensor-pipe-${run}`,
    'sensor.batchMaxDelayMs': 50,
    'metrics.enabled': false,
  });
  const topics = topicNames(config);
  let bus: Bus;
  let serde: Serde;
  let state: RedisStore;
  let worker: DetectorWorker;
  let gateway: RunningGateway;
  let browser: Browser;
  let watcher: Subscription;
  const publishedAt = new Map<string, number>();

  beforeAll(async () => {
    serde = createSerde(config, silentLogger);
    await serde.init();
    bus = createKafkaBus(config, silentLogger);
    gateway = await startGateway(config, silentLogger);
    await gateway.consuming;
    state = createRedisStore(config);
    worker = new DetectorWorker({ config, bus, serde, store: state, logger: silentLogger });
    await worker.start();
    // An independent reader of the alerts topic: when it sees an alert, it has been published.
    watcher = await bus.consume({
      groupId: `pipe-${run}-watcher`,
      topics: [topics.alerts],
      onBatch: async (batch) => {
        for (const message of batch.messages) {
          const alert = (await serde.decode('alert', message.value)) as Alert;
          if (!publishedAt.has(alert.id)) publishedAt.set(alert.id, Date.now());
        }
      },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await watcher?.stop();
    await worker?.stop();
    await gateway?.close();
    await bus?.close();
    await state?.close();
    const store = new RedisAlertStore({ url: services.redisUrl, keyPrefix: `pipe-${run}:`, limits: { recentAlertCap: 10, alertTtlMs: 1, topSourcesTracked: 10, sensorOfflineMs: 1, sensorPruneMs: 1, maxSensors: 1 } });
    await store.clear();
    await store.close();
  });

  it('shows every detected attack in the Live Feed within 2 s of its publication; chips, search and acknowledgement work on them', async () => {
    const { page, problems } = await openPage(browser);
    await login(page, gateway.url, USERNAME, PASSWORD);
    problems.length = 0;
    await page.click('[data-tab="feed"]');

    const seenInBrowser = new Map<string, number>();
    await page.exposeFunction('reportRows', (ids: string[]) => {
      for (const id of ids) if (!seenInBrowser.has(id)) seenInBrowser.set(id, Date.now());
    });
    await page.evaluate(() => {
      const report = () =>
        (window as unknown as { reportRows: (ids: string[]) => void }).reportRows(
          Array.from(document.querySelectorAll('[data-testid="feed-row"]')).map((row) => row.getAttribute('data-id') ?? ''),
        );
      new MutationObserver(report).observe(document.body, { childList: true, subtree: true });
      report();
    });

    const identity = loadSensorIdentity(config.sensor);
    const counters = newCounters();
    const heartbeat = new HeartbeatEmitter({
      bus,
      serde,
      topic: topics.heartbeats,
      identity,
      mode: 'replay',
      input: CAPTURES.join(','),
      intervalMs: 1000,
      counters,
      onError: (err) => {
        throw err;
      },
    });
    heartbeat.start();
    const result = await replayCaptures({ files: CAPTURES, speed: Infinity, config, bus, serde, logger: silentLogger, identity, counters });
    expect(result.failedFiles).toEqual([]);
    expect(counters.packetsPublished).toBe(200 + 48 + 400);

    const expectedCategories: Alert['category'][] = ['syn_flood', 'suspicious_port', 'lateral_movement'];
    const deadline = Date.now() + 30_000;
    let alerts: Array<{ alert: Alert }> = [];
    while (Date.now() < deadline) {
      const response = await fetch(`${gateway.url}/api/alerts?limit=100`, { headers: { 'x-api-key': config.gateway.apiKeys[0] } });
      alerts = ((await response.json()) as { items: Array<{ alert: Alert }> }).items;
      const categories = new Set(alerts.map((a) => a.alert.category));
      if (expectedCategories.every((c) => categories.has(c)) && alerts.every((a) => seenInBrowser.has(a.alert.id))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(new Set(alerts.map((a) => a.alert.category))).toEqual(new Set(expectedCategories));
    expect(alerts.find((a) => a.alert.category === 'syn_flood')?.alert.src).toBe('192.0.2.10');
    expect(alerts.find((a) => a.alert.category === 'suspicious_port')?.alert.src).toBe('172.16.1.10');
    expect(alerts.find((a) => a.alert.category === 'lateral_movement')?.alert.src).toBe('192.168.10.31');

    for (const { alert } of alerts) {
      const published = publishedAt.get(alert.id);
      const shown = seenInBrowser.get(alert.id);
      expect(published, `${alert.id} seen on the alerts topic`).toBeDefined();
      expect(shown, `${alert.id} shown in the Live Feed`).toBeDefined();
      expect(shown! - published!, `${alert.category} from publication to the Live Feed, ms`).toBeLessThan(2000);
    }

    // Severity chips and full-text search filter what the detector raised.
    const rows = () => page.$$eval('[data-testid="feed-row"]', (els) => els.map((r) => ({ id: r.getAttribute('data-id') ?? '', severity: r.getAttribute('data-severity') ?? '' })));
    const flood = alerts.find((a) => a.alert.category === 'syn_flood')!.alert;
    await page.click('[data-testid="chip-CRITICAL"]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="feed-row"]')).every((r) => r.getAttribute('data-severity') === 'CRITICAL'));
    expect((await rows()).map((r) => r.id)).toEqual([flood.id]);
    await page.click('[data-testid="chip-ALL"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-row"]').length === n, alerts.length);
    await page.fill('#feed-search', '172.16.1.10');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-row"]').length === 1);
    expect((await rows()).map((r) => r.id)).toEqual([alerts.find((a) => a.alert.category === 'suspicious_port')!.alert.id]);
    await page.fill('#feed-search', '');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-row"]').length === n, alerts.length);

    // Acknowledge the flood; the state survives a reload and a gateway restart (Redis store).
    const stateOf = () => page.textContent(`[data-id="${flood.id}"] [data-testid="state"]`);
    await page.click(`[data-id="${flood.id}"] [data-action="acknowledge"]`);
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"] [data-testid="state"]`)?.textContent === 'acknowledged', flood.id, { timeout: 3000 });
    await page.reload();
    await page.waitForSelector(`[data-id="${flood.id}"] [data-testid="state"]`);
    expect(await stateOf()).toBe('acknowledged');
    const port = Number(new URL(gateway.url).port);
    await gateway.close();
    gateway = await startGateway({ ...config, gateway: { ...config.gateway, port } }, silentLogger);
    await gateway.consuming;
    await page.reload();
    await page.waitForSelector('#conn[data-status="live"]', { timeout: 10_000 });
    await page.waitForSelector(`[data-id="${flood.id}"] [data-testid="state"]`);
    expect(await stateOf()).toBe('acknowledged');

    await page.click('[data-tab="sensors"]');
    await page.waitForSelector(`text=${identity.id}`, { timeout: 5000 });
    await heartbeat.stop();

    for (const tab of ['overview', 'feed', 'sensors', 'analytics']) {
      await page.click(`[data-tab="${tab}"]`);
      await page.waitForTimeout(300);
      await screenshot(page, `pipeline-${tab}`);
    }
    expect(problems).toEqual([]);
  });
});
