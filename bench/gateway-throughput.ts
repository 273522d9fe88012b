/**
 * Alerts per second from the alerts topic to browser sockets: a gateway (memory store by
 * default, --redis URL for the Redis store) reading an in-process bus, 50 WebSocket clients
 * connected through real sockets; counts the time until every client has every alert.
 *
 *   node --import tsx bench/gateway-throughput.ts [--alerts 20000] [--clients 50] [--rate N] [--redis redis://...]
 *
 * Without --rate the topic is filled as fast as possible (clients that fall behind are sampled:
 * see eventsSkippedForSlowClients); with --rate N alerts are produced at N per second.
 *
 * Clients run in this process too (2-core machine): the figure is a floor.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { MemoryBus } from '../services/common/bus/memory-bus.ts';
import { silentLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { topicNames } from '../services/common/topics.ts';
import { startGateway } from '../services/gateway/run.ts';
import { RedisAlertStore } from '../services/gateway/store/redis-alert-store.ts';
import { storeLimits } from '../services/gateway/run.ts';
import { makeAlert } from '../test/unit/gateway/fixtures.ts';
import { API_KEY, testConfig } from '../test/unit/gateway/harness.ts';

const { values } = parseArgs({ options: { rate: { type: 'string' }, alerts: { type: 'string', default: '20000' }, clients: { type: 'string', default: '50' }, redis: { type: 'string' } } });
const total = Number(values.alerts);
const clientCount = Number(values.clients);
const config = testConfig({ 'gateway.port': 0, 'gateway.recentAlertCap': 100_000, 'gateway.ws.maxClients': 1000 });
const bus = new MemoryBus({ partitions: 3, maxBacklog: 4096 });
const serde = createSerde(config, silentLogger);
await serde.init();
const store = values.redis ? new RedisAlertStore({ url: values.redis, keyPrefix: `bench-${Date.now()}:`, limits: storeLimits(config.gateway) }) : undefined;
const gateway = await startGateway(config, silentLogger, { bus, serde, store });
await gateway.consuming;

const received = new Array<number>(clientCount).fill(0);
const resyncs = new Array<number>(clientCount).fill(0);
const sockets: WebSocket[] = [];
for (let i = 0; i < clientCount; i += 1) {
  const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws`, { headers: { 'x-api-key': API_KEY } });
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"alert"')) received[i] += 1;
    else if (text.startsWith('{"type":"resync"')) resyncs[i] += (JSON.parse(text) as { data: { missed: number } }).data.missed;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  sockets.push(ws);
}

const alerts = Array.from({ length: total }, (_, i) => makeAlert({ severity: (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[i % 4], src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
const encoded = alerts.map((a) => ({ key: a.src, value: serde.encode('alert', a) }));
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const rate = values.rate ? Number(values.rate) : 0;
const step = rate ? Math.max(1, Math.round(rate / 100)) : 500;
for (let i = 0; i < encoded.length; i += step) {
  await bus.produce(topicNames(config).alerts, encoded.slice(i, i + step));
  if (rate) {
    const due = started + ((i + step) / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
const produced = performance.now();
const deadline = Date.now() + 120_000;
const done = () => received.every((n, i) => n + resyncs[i] >= total);
while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const finished = performance.now();
const seconds = (finished - started) / 1000;
const delivered = received.reduce((s, n) => s + n, 0);
const skipped = resyncs.reduce((s, n) => s + n, 0);
console.log(
  JSON.stringify(
    {
      bench: 'gateway-throughput',
      store: values.redis ? 'redis' : 'memory',
      alerts: total,
      offeredRate: rate || 'unpaced',
      clients: clientCount,
      seconds: Number(seconds.toFixed(2)),
      alertsPerSecondIngested: Math.round(total / seconds),
      wsMessagesPerSecond: Math.round(delivered / seconds),
      deliveredFraction: Number((delivered / (total * clientCount)).toFixed(3)),
      produceSeconds: Number(((produced - started) / 1000).toFixed(2)),
      completeForAllClients: done(),
      eventsSkippedForSlowClients: skipped,
      rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      rssGrowthMiB: Math.round((process.memoryUsage().rss - rssBefore) / 1048576),
    },
    null,
    2,
  ),
);
for (const ws of sockets) ws.terminate();
await gateway.close();
if (store) {
  await store.clear();
  await store.close();
}
