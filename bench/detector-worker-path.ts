/**
 * The detector worker's own path without Kafka (not a test; prints figures): the benchmark
 * capture is encoded into 2,000-packet PacketBatch messages per partition beforehand, then
 * handed to DetectorWorker.onBatch in Kafka-sized partition batches (64 messages, partitions in
 * turn), so what is timed is decode + engine + Redis state + alert encoding, with none of the
 * broker, the fetch loop or the replay sharing the machine. For A/B comparisons of the worker
 * (bench/detector-pipeline.ts gives the end-to-end figures). State in the real Redis
 * (NETSENTINEL_REDIS_URL), removed afterwards.
 *
 *   node --import tsx bench/detector-worker-path.ts [minPackets=1000000] [--thread]
 *
 * --thread runs it as `netsentinel detector` runs a worker: in a thread whose old generation is
 * capped at detector.heapLimitMb (CPU and RSS are the whole process's either way).
 */
import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { MemoryBus } from '../services/common/bus/memory-bus.ts';
import { loadConfig } from '../services/common/config/load.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { SingleObjectSerde } from '../services/common/serde/single-object-serde.ts';
import { createRedisStore } from '../services/common/state/redis-store.ts';
import { DetectorWorker } from '../services/detector/worker.ts';
import { captureMessages } from './capture-messages.ts';
import { benchCapture } from './sensor-capture.ts';
import { rerunInHeapCappedThread } from './heap-capped-thread.ts';

const MESSAGE_PACKETS = 2000;
const BATCH_MESSAGES = 64;

if (isMainThread && process.argv.includes('--thread')) await rerunInHeapCappedThread(import.meta.url);

if (!process.env.NETSENTINEL_REDIS_URL) {
  console.error('bench/detector-worker-path: set NETSENTINEL_REDIS_URL (e.g. after npm run services:up)');
  process.exit(2);
}
const minPackets = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const prefix = `bench-worker-path-${randomUUID().slice(0, 8)}:`;
const config = loadConfig({ env: { ...process.env, NETSENTINEL_REDIS_KEY_PREFIX: prefix, NETSENTINEL_METRICS_ENABLED: 'false' } });
const serde = new SingleObjectSerde();
await serde.init();

const { file } = await benchCapture(minPackets);
const partitions = config.detector.partitions;
const { messages, packets } = await captureMessages(file, partitions, serde, MESSAGE_PACKETS);

const store = createRedisStore(config, 'bench-worker-path');
const worker = new DetectorWorker({ config, bus: new MemoryBus(), serde, store, logger: createLogger({ level: 'fatal' }) });
const next = Array.from({ length: partitions }, () => 0);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let more = true; more; ) {
  more = false;
  for (let part = 0; part < partitions; part++) {
    const from = next[part];
    const values = messages[part].slice(from, from + BATCH_MESSAGES);
    if (values.length === 0) continue;
    more = true;
    next[part] += values.length;
    const batch = values.map((value, i) => ({ topic: 'bench', partition: part, offset: String(from + i), key: null, value, headers: {}, timestamp: 0 }));
    await worker.onBatch({ topic: 'bench', partition: part, messages: batch, lastOffset: batch[batch.length - 1].offset });
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `worker path (${isMainThread ? 'main thread' : `thread, heap cap ${config.detector.heapLimitMb} MB`}): ${packets} packets in ${seconds.toFixed(2)} s = ${(packets / seconds / 1000).toFixed(0)} k packets/s; ` +
    `${cpuSeconds.toFixed(2)} CPU-s (${(packets / cpuSeconds / 1000).toFixed(0)} k per CPU-second); Redis round trips ${store.roundTrips}; RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
);

const redis = new Redis(process.env.NETSENTINEL_REDIS_URL);
let cursor = '0';
do {
  const [after, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 20_000);
  cursor = after;
  if (keys.length > 0) await redis.unlink(...keys);
} while (cursor !== '0');
redis.disconnect();
await store.close();
process.exit(0);
