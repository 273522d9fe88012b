/**
 * What a detector worker spends on Kafka before its engine sees a packet (not a test; prints
 * figures): replays the benchmark capture into a fresh topic prefix, then consumes the packets
 * topic twice in new consumer groups through the worker's Bus adapter, once only fetching
 * (kafkajs's fetch, protocol decode and decompression) and once also decoding every message as
 * the worker does (`Serde.decodeDetectorBatch`), and prints the CPU-seconds of each per million
 * packets, the time from its first batch to its last and the peak RSS (sampled every 20 ms). The process's CPU is counted (libuv's
 * decompression threads included), from the consumer's start to its last batch. Run it with kafka.compression set each way
 * (NETSENTINEL_KAFKA_COMPRESSION=none|gzip) to see what compression costs the worker.
 * Start services first (`npm run services:up`):
 *
 *   node --import tsx bench/kafka-consume.ts [minPackets=1000000]
 */
import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { createKafkaBus, kafkaClientConfig } from '../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../services/common/config/load.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { topicNames } from '../services/common/topics.ts';
import { replayCaptures } from '../services/sensor/replay.ts';
import { loadSensorIdentity } from '../services/sensor/sensor-identity.ts';
import { benchCapture } from './sensor-capture.ts';

if (!process.env.NETSENTINEL_KAFKA_BROKERS) {
  console.error('bench/kafka-consume: set NETSENTINEL_KAFKA_BROKERS (and NETSENTINEL_REGISTRY_URL) to a running Kafka, e.g. after npm run services:up');
  process.exit(2);
}
/** A consumer that has had no batch for this long has read the topic to its end. */
const QUIET_MS = 1000;
/** Bound on each pass, whatever happens. */
const PASS_LIMIT_MS = 120_000;

const { file, packets } = await benchCapture(Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000));
const config = loadConfig({ overrides: { 'topics.prefix': `bench-consume-${randomUUID().slice(0, 8)}.`, 'sensor.stateDir': '/tmp/netsentinel-bench-state' } });
const logger = createLogger({ level: 'warn' });
const serde = createSerde(config, logger);
await serde.init();
const bus = createKafkaBus(config, logger);
const topics = topicNames(config);
const admin = new Kafka(kafkaClientConfig(config, logger)).admin();
await admin.connect();
try {
  await replayCaptures({ files: [file], speed: Infinity, config, bus, serde, logger, identity: loadSensorIdentity(config.sensor) });
  console.log(`capture: ${file} (${packets} packets), replayed into ${topics.packets} with kafka.compression=${config.kafka.compression}`);
  for (const decode of [false, true]) {
    let messages = 0;
    let bytes = 0;
    let decoded = 0;
    let batches = 0;
    let firstBatchAt = 0;
    let lastBatchAt = 0;
    let cpuAtLast = process.cpuUsage();
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
    const subscription = await bus.consume({
      groupId: `bench-consume-${randomUUID()}`,
      topics: [topics.packets],
      onBatch: async (batch) => {
        if (batches++ === 0) firstBatchAt = Date.now();
        for (const m of batch.messages) {
          messages++;
          bytes += m.value?.length ?? 0;
          if (decode && m.value) decoded += (await serde.decodeDetectorBatch(m.value)).packets.length;
        }
        lastBatchAt = Date.now();
        cpuAtLast = process.cpuUsage(cpu0);
      },
    });
    while ((lastBatchAt === 0 || Date.now() - lastBatchAt < QUIET_MS) && Date.now() - started < PASS_LIMIT_MS) await new Promise((r) => setTimeout(r, 50));
    await subscription.stop();
    clearInterval(sampler);
    const cpuSeconds = (cpuAtLast.user + cpuAtLast.system) / 1e6;
    const what = decode ? `fetch + decodeDetectorBatch (${decoded} packets, victim copies included)` : 'fetch only';
    console.log(
      `${what}: ${messages} messages, ${(bytes / 1e6).toFixed(1)} MB of Avro, ${batches} partition batches, first to last ${((lastBatchAt - firstBatchAt) / 1000).toFixed(2)} s; ` +
        `${cpuSeconds.toFixed(2)} CPU-s = ${((cpuSeconds * 1e6) / packets).toFixed(2)} CPU-s per million captured packets; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
    );
  }
} finally {
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  await bus.close();
}
