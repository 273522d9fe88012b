/**
 * Replay into Kafka end to end (not a test): replays the benchmark capture at --speed max
 * into the Kafka named by NETSENTINEL_KAFKA_BROKERS (and the registry of
 * NETSENTINEL_REGISTRY_URL, if set), waits for every batch to be acknowledged, and prints
 * packets/s and the sensor's memory: RSS before the replay, the peak RSS (sampled every 50 ms)
 * and the peak RSS of each quarter of the capture, which shows whether memory stays flat as the
 * capture goes on. Start services first, e.g. `npm run services:up`.
 * Run: node --import tsx bench/sensor-replay.ts [minPackets]   (1000000 and 3000000 in docs/performance.md)
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { createKafkaBus } from '../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../services/common/config/load.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { replayCaptures } from '../services/sensor/replay.ts';
import { loadSensorIdentity } from '../services/sensor/sensor-identity.ts';
import { benchCapture } from './sensor-capture.ts';

if (!process.env.NETSENTINEL_KAFKA_BROKERS) {
  console.error('bench/sensor-replay: set NETSENTINEL_KAFKA_BROKERS (and NETSENTINEL_REGISTRY_URL) to a running Kafka, e.g. after npm run services:up');
  process.exit(2);
}
const { file, packets } = await benchCapture(Number(process.argv[2] ?? 1_000_000));
const config = loadConfig({ overrides: { 'topics.prefix': `bench-${randomUUID().slice(0, 8)}.`, 'sensor.stateDir': '/tmp/netsentinel-bench-state' } });
const logger = createLogger({ level: 'warn' });
const serde = createSerde(config, logger);
await serde.init();
const bus = createKafkaBus(config, logger);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

const startRss = process.memoryUsage().rss;
const peak = { rss: 0, heapTotal: 0, external: 0 };
const quarterPeaks = [0, 0, 0, 0];
let quarter = 0;
const sample = () => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
  peak.external = Math.max(peak.external, m.external);
  quarterPeaks[quarter] = Math.max(quarterPeaks[quarter], m.rss);
};
const sampler = setInterval(sample, 50);
const cpu0 = process.cpuUsage();
try {
  const result = await replayCaptures({
    files: [file],
    speed: Infinity,
    config,
    bus,
    serde,
    logger,
    identity: loadSensorIdentity(config.sensor),
    onProgress: (p) => (quarter = Math.min(3, Math.floor((4 * p.packets) / packets))),
  });
  sample();
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const seconds = result.elapsedMs / 1000;
  console.log(`capture: ${file} (${packets} packets); kafka.compression=${config.kafka.compression}, ${config.sensor.maxInFlightBatches} batches in flight`);
  console.log(`replay into Kafka: ${result.counters.packetsPublished}/${packets} packets acknowledged in ${seconds.toFixed(2)} s = ${(result.counters.packetsPublished / seconds / 1e3).toFixed(0)} k packets/s (target >= 300 k/s); sensor CPU ${cpuSeconds.toFixed(2)} s (main thread + GC + gzip threads; Kafka runs on the same cores)`);
  console.log(`sensor RSS: ${mb(startRss)} before the replay, peak ${mb(peak.rss)} (target < 200 MB); peak per quarter of the capture: ${quarterPeaks.map(mb).join(', ')}`);
  console.log(`peak V8 heap ${mb(peak.heapTotal)}, peak external (Buffers) ${mb(peak.external)}; load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
} finally {
  clearInterval(sampler);
  await bus.close();
}
