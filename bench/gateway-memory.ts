/**
 * Gateway memory with a million stored alerts: upserts 1,000,000 alerts into the store and
 * prints RSS (memory store) or Redis used_memory (--redis URL) as it goes, for the configured
 * cap. The cap bounds it: beyond recentAlertCap the oldest alerts are evicted.
 *
 *   node --expose-gc --import tsx bench/gateway-memory.ts [--alerts 1000000] [--cap 100000] [--redis redis://...]
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { MemoryAlertStore } from '../services/gateway/store/memory-alert-store.ts';
import type { AlertStore } from '../services/gateway/store/port.ts';
import { RedisAlertStore } from '../services/gateway/store/redis-alert-store.ts';
import { makeAlert } from '../test/unit/gateway/fixtures.ts';

const { values } = parseArgs({ options: { alerts: { type: 'string', default: '1000000' }, cap: { type: 'string', default: '100000' }, redis: { type: 'string' } } });
const total = Number(values.alerts);
const cap = Number(values.cap);
const limits = { recentAlertCap: cap, alertTtlMs: 7 * 86_400_000, topSourcesTracked: 1000, sensorOfflineMs: 90_000, sensorPruneMs: 86_400_000, maxSensors: 10_000 };
const prefix = `bench-mem-${Date.now()}:`;
const store: AlertStore = values.redis ? new RedisAlertStore({ url: values.redis, keyPrefix: prefix, limits }) : new MemoryAlertStore(limits);
const redis = values.redis ? new Redis(values.redis) : null;
const gc = (globalThis as { gc?: () => void }).gc;

async function memory(): Promise<string> {
  gc?.();
  const rss = Math.round(process.memoryUsage().rss / 1048576);
  if (!redis) return `rss ${rss} MiB`;
  const info = await redis.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  return `gateway rss ${rss} MiB, redis used_memory ${Math.round(used / 1048576)} MiB`;
}

const started = performance.now();
const baseline = await memory();
console.log(`store ${values.redis ? 'redis' : 'memory'}, cap ${cap}, baseline ${baseline}`);
const batch = 1000;
for (let done = 0; done < total; done += batch) {
  const alerts = Array.from({ length: Math.min(batch, total - done) }, (_, i) => makeAlert({ src: `10.${((done + i) >> 16) & 255}.${((done + i) >> 8) & 255}.${(done + i) & 255}` }));
  await store.upsert(alerts, Date.now());
  if ((done + batch) % (total / 10) === 0) {
    const page = await store.query({}, { offset: 0, limit: 1 });
    console.log(`${(done + batch).toLocaleString('en-US')} alerts upserted, ${page.total.toLocaleString('en-US')} held: ${await memory()}`);
  }
}
const seconds = (performance.now() - started) / 1000;
const t0 = performance.now();
const searched = await store.query({ q: '10.1.2.3' }, { offset: 0, limit: 100 });
const searchMs = performance.now() - t0;
console.log(`upserts/s ${Math.round(total / seconds)}; full-text search over the held alerts: ${searchMs.toFixed(0)} ms (${searched.total} matches)`);
if (store instanceof RedisAlertStore) await store.clear();
await store.close();
redis?.disconnect();
