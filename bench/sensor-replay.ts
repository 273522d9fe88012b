/**
 * Replay into Kafka end to end (not a test): replays the benchmark capture at --speed max
 * into the Kafka named by NETSENTINEL_KAFKA_BROKERS (and the registry of
 * NETSENTINEL_REGISTRY_URL, if set), waits for every batch to be acknowledged, and prints
 * packets/s and the sensor's peak RSS. Start services first, e.g. `npm run services:up`.
 * Run: node --import tsx bench/sensor-replay.ts [minPackets]
 */
import { randomUUID } from 'node:crypto';
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
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
try {
  const result = await replayCaptures({ files: [file], speed: Infinity, config, bus, serde, logger, identity: loadSensorIdentity(config.sensor) });
  const seconds = result.elapsedMs / 1000;
  console.log(`replay into Kafka: ${result.counters.packetsPublished}/${packets} packets acknowledged in ${seconds.toFixed(2)} s = ${(result.counters.packetsPublished / seconds / 1e3).toFixed(0)} k packets/s (target >= 300 k/s)`);
  console.log(`sensor peak RSS: ${(Math.max(peakRss, process.memoryUsage().rss) / 1e6).toFixed(0)} MB (target < 200 MB)`);
} finally {
  clearInterval(sampler);
  await bus.close();
}
