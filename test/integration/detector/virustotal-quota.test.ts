/**
 * The VirusTotal quota is shared by every worker: three lookup loops (three workers, each with
 * its own Redis connection to the same real Redis) working one queue never send the local
 * VirusTotal-format server more requests than requestsPerMinute / requestsPerDay allow, and
 * each entity is looked up once (shared cache).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../services/common/config/load.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createRedisStore, type RedisStore } from '../../../services/common/state/redis-store.ts';
import { INTEL_QUEUE } from '../../../services/detector/engine/engine.ts';
import { startIntelLookups, type IntelLoop } from '../../../services/detector/intel/lookup-loop.ts';
import { servicesEnv } from '../../setup/services-env.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../support/fake-virustotal.ts';

let vt: FakeVirusTotal;
let stores: RedisStore[] = [];
let loops: IntelLoop[] = [];
beforeEach(async () => {
  vt = await startFakeVirusTotal();
});
afterEach(async () => {
  for (const l of loops) l.stop();
  for (const s of stores) await s.close();
  loops = [];
  stores = [];
  await vt.close();
});

function workers(n: number, over: Record<string, unknown>, now: () => number) {
  const config = loadConfig({
    env: servicesEnv(inject('services')),
    overrides: { 'redis.keyPrefix': `it-vt-${randomUUID().slice(0, 8)}:`, 'intel.virustotal.apiKey': vt.apiKey, 'intel.virustotal.baseUrl': vt.baseUrl, ...over },
  });
  stores = Array.from({ length: n }, (_, i) => createRedisStore(config, `it-vt-${i}`));
  // intervalMs 5: each loop polls as fast as the test allows, all against one quota.
  loops = stores.map((s) => startIntelLookups(config, s, silentLogger, { intervalMs: 5, now }));
  return { config, store: stores[0] };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('VirusTotal quota shared by 3 workers (real Redis)', () => {
  it('sends at most requestsPerMinute in a minute window, each entity once', async () => {
    for (let i = 0; i < 40; i++) vt.answers.set(`198.51.100.${i}`, { malicious: i % 4 });
    // A fixed clock inside one minute window: the bound must hold however fast the loops spin.
    const minute = Date.UTC(2026, 0, 1, 12, 0, 10);
    const { store } = workers(3, { 'intel.virustotal.requestsPerMinute': 4, 'intel.virustotal.requestsPerDay': 500 }, () => minute);
    await store.queuePush(INTEL_QUEUE, Array.from({ length: 40 }, (_, i) => ({ member: `198.51.100.${i}`, score: i / 40 })), 1000, 60_000);
    await settle(1500);
    expect(vt.requests).toHaveLength(4);
    expect(new Set(vt.requests.map((r) => r.entity)).size).toBe(4);
    // Highest priority first: the four entities closest to a threshold.
    expect(vt.requests.map((r) => r.entity).sort()).toEqual(['198.51.100.36', '198.51.100.37', '198.51.100.38', '198.51.100.39']);
  });

  it('sends at most requestsPerDay across minute windows', async () => {
    for (let i = 0; i < 40; i++) vt.answers.set(`198.51.100.${i}`, {});
    // Each call of now() moves 20 s on: many minute windows, one day window.
    let clock = Date.UTC(2026, 0, 1, 1, 0, 0);
    const { store } = workers(3, { 'intel.virustotal.requestsPerMinute': 4, 'intel.virustotal.requestsPerDay': 9 }, () => (clock += 20_000));
    await store.queuePush(INTEL_QUEUE, Array.from({ length: 40 }, (_, i) => ({ member: `198.51.100.${i}`, score: 1 })), 1000, 60_000);
    await settle(2000);
    expect(vt.requests).toHaveLength(9);
    expect(new Set(vt.requests.map((r) => r.entity)).size).toBe(9);
  });
});
