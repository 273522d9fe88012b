/**
 * The gateway on the real Kafka, schema registry and Redis, driven from a headless Chromium:
 * alerts produced to the alerts topic appear in the Live Feed within 2 s; an acknowledgement
 * survives a page reload and a gateway restart; a second replica shows the same picture.
 * (The full pipeline — sensor replay → detector → gateway — plugs in by producing with the
 * real services instead of `publish` below.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import type { Bus } from '../../../services/common/bus/port.ts';
import type { Alert } from '../../../services/common/model.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import type { Serde } from '../../../services/common/serde/port.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { startGateway, type RunningGateway } from '../../../services/gateway/run.ts';
import { RedisAlertStore } from '../../../services/gateway/store/redis-alert-store.ts';
import { ensureDashboardBuilt, launchBrowser, login, openPage, screenshot } from '../../unit/gateway/browser.ts';
import { makeAlert, makeHeartbeat } from '../../unit/gateway/fixtures.ts';
import { API_KEY, PASSWORD, testConfig, USERNAME } from '../../unit/gateway/harness.ts';

describe('gateway on Kafka + Redis, in headless Chromium', () => {
  const services = inject('services');
  const run = randomUUID().slice(0, 8);
  const config = testConfig({
    'gateway.port': 0,
    'gateway.store': 'redis',
    'gateway.replicaId': `it-${run}-a`,
    'gateway.dashboardDir': ensureDashboardBuilt(),
    'kafka.brokers': services.kafkaBrokers,
    'registry.url': services.registryUrl,
    'redis.url': services.redisUrl,
    'redis.keyPrefix': `it-${run}:`,
    'topics.prefix': `it-${run}.`,
  });
  const topics = topicNames(config);
  let producer: Bus;
  let serde: Serde;
  let gateway: RunningGateway;
  let browser: Browser;

  async function publish(alerts: Alert[]): Promise<void> {
    await producer.produce(topics.alerts, alerts.map((a) => ({ key: a.src, value: serde.encode('alert', a) })));
  }

  beforeAll(async () => {
    producer = createKafkaBus(config, silentLogger);
    serde = createSerde(config, silentLogger);
    await serde.init();
    gateway = await startGateway(config, silentLogger);
    await gateway.consuming;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await producer?.close();
    const store = new RedisAlertStore({ url: services.redisUrl, keyPrefix: `it-${run}:`, limits: { recentAlertCap: 10, alertTtlMs: 1, topSourcesTracked: 10, sensorOfflineMs: 1, sensorPruneMs: 1, maxSensors: 1 } });
    await store.clear();
    await store.close();
  });

  it('shows alerts from the topic within 2 s and keeps an acknowledgement across a reload, a restart and a second replica', async () => {
    const { page } = await openPage(browser);
    await login(page, gateway.url, USERNAME, PASSWORD);
    await page.click('[data-tab="feed"]');
    await producer.produce(topics.heartbeats, [{ key: 'sensor-a', value: serde.encode('heartbeat', makeHeartbeat({ ts: Date.now() })) }]);
    const now = Date.now();
    const alerts = [makeAlert({ severity: 'CRITICAL', category: 'syn_flood', title: 'SYN flood against 192.168.1.10:80', lastSeen: now }), makeAlert({ severity: 'HIGH', lastSeen: now })];
    const published = Date.now();
    await publish(alerts);
    await page.waitForSelector(`[data-id="${alerts[0].id}"]`, { timeout: 2000 });
    await page.waitForSelector(`[data-id="${alerts[1].id}"]`, { timeout: 2000 });
    expect(Date.now() - published).toBeLessThan(2000);
    // a later revision of the same incident replaces the row, it does not add one
    await publish([{ ...alerts[0], revision: 1, count: 12 }]);
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"] .count`)?.textContent?.includes('12'), alerts[0].id, { timeout: 2000 });
    expect(await page.$$eval(`[data-id="${alerts[0].id}"]`, (rows) => rows.length)).toBe(1);

    await page.click(`[data-id="${alerts[0].id}"] [data-action="acknowledge"]`);
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"] [data-testid="state"]`)?.textContent === 'acknowledged', alerts[0].id, { timeout: 3000 });
    await page.reload();
    await page.waitForSelector(`[data-id="${alerts[0].id}"] [data-testid="state"]`);
    expect(await page.textContent(`[data-id="${alerts[0].id}"] [data-testid="state"]`)).toBe('acknowledged');

    // restart the gateway on the same port: same Redis, same consumer group, same session secret
    const port = Number(new URL(gateway.url).port);
    await gateway.close();
    gateway = await startGateway({ ...config, gateway: { ...config.gateway, port } }, silentLogger);
    await gateway.consuming;
    await page.reload();
    await page.waitForSelector('#conn[data-status="live"]', { timeout: 10_000 });
    await page.waitForSelector(`[data-id="${alerts[0].id}"] [data-testid="state"]`);
    expect(await page.textContent(`[data-id="${alerts[0].id}"] [data-testid="state"]`)).toBe('acknowledged');
    await screenshot(page, 'integration-feed-after-restart');

    // a second replica, its own consumer group, sees the same picture and new alerts too
    const replica = await startGateway({ ...config, gateway: { ...config.gateway, replicaId: `it-${run}-b` } }, silentLogger);
    try {
      await replica.consuming;
      const later = makeAlert({ severity: 'MEDIUM', lastSeen: Date.now() });
      await publish([later]);
      await page.waitForSelector(`[data-id="${later.id}"]`, { timeout: 2000 });
      const headers = { 'x-api-key': API_KEY };
      const deadline = Date.now() + 5000;
      let viaReplica: { total: number; items: Array<{ alert: { id: string }; state: string }> } = { total: 0, items: [] };
      while (Date.now() < deadline) {
        viaReplica = (await (await fetch(`${replica.url}/api/alerts`, { headers })).json()) as typeof viaReplica;
        if (viaReplica.total === 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(viaReplica.total).toBe(3);
      expect(viaReplica.items.find((s) => s.alert.id === alerts[0].id)?.state).toBe('acknowledged');
      const stats = (await (await fetch(`${replica.url}/api/stats`, { headers })).json()) as { total: number; threat: { level: string } };
      expect(stats).toMatchObject({ total: 3, threat: { level: 'CRITICAL' } });
    } finally {
      await replica.close();
    }
  });
});
