/**
 * Shared steps of the detector pipeline tests (not a test file): an isolated configuration per
 * run (own topic prefix, consumer group and Redis key prefix), replay into the real Kafka,
 * "the group has committed every packet" from Kafka's own offsets, and reading the alerts topic
 * back to its end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Kafka } from 'kafkajs';
import { createKafkaBus, kafkaClientConfig } from '../../../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Config } from '../../../services/common/config/schema.ts';
import type { Alert } from '../../../services/common/model.ts';
import { createLogger, type Logger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import type { Serde } from '../../../services/common/serde/port.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { analyzeFiles } from '../../../services/detector/analyze-runner.ts';
import { replayCaptures } from '../../../services/sensor/replay.ts';
import { loadSensorIdentity } from '../../../services/sensor/sensor-identity.ts';
import { servicesEnv, type TestServices } from '../../setup/services-env.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const pcapDir = process.env.NETSENTINEL_PCAPS ?? path.resolve(repoRoot, '../shared/pcaps');
export const pcap = (name: string): string => path.join(pcapDir, name);
export const torFeed = path.join(repoRoot, 'test/fixtures/tor-relays.txt');

// kafkajs logs every retriable broker answer (rebalancing, topic exists) at error level.
export const logger: Logger = createLogger({ level: 'fatal' });

/** Overrides that isolate one run: nothing shared with another test but the servers. */
export function isolation(tag: string): Record<string, unknown> {
  const id = `${tag}-${randomUUID().slice(0, 8)}`;
  return {
    'topics.prefix': `it-det-${id}.`,
    'detector.groupId': `it-det-${id}`,
    'redis.keyPrefix': `it-det-${id}:`,
    'sensor.stateDir': mkdtempSync(path.join(tmpdir(), 'ns-det-it-')),
    'detector.tor.feedFile': torFeed,
    'kafka.partitions': 6,
    'detector.partitions': 6,
    'metrics.enabled': false,
  };
}

/** The same overrides as NETSENTINEL_* variables, for a worker child process. */
export function isolationEnv(overrides: Record<string, unknown>): Record<string, string> {
  return {
    NETSENTINEL_TOPICS_PREFIX: String(overrides['topics.prefix']),
    NETSENTINEL_DETECTOR_GROUP_ID: String(overrides['detector.groupId']),
    NETSENTINEL_REDIS_KEY_PREFIX: String(overrides['redis.keyPrefix']),
    NETSENTINEL_DETECTOR_TOR_FEED_FILE: String(overrides['detector.tor.feedFile']),
    NETSENTINEL_KAFKA_PARTITIONS: String(overrides['kafka.partitions']),
    NETSENTINEL_METRICS_ENABLED: 'false',
    NETSENTINEL_LOG_LEVEL: 'warn',
  };
}

export function pipelineConfig(services: TestServices, overrides: Record<string, unknown>): Readonly<Config> {
  return loadConfig({ env: servicesEnv(services), overrides });
}

export async function newSerde(config: Readonly<Config>): Promise<Serde> {
  const serde = createSerde(config, logger);
  await serde.init();
  return serde;
}

/** Replays files into the packets topic; resolves when Kafka acknowledged every batch. */
export async function replay(config: Readonly<Config>, files: string[], speed: number, signal?: AbortSignal): Promise<number> {
  const serde = await newSerde(config);
  const bus = createKafkaBus(config, logger);
  try {
    const result = await replayCaptures({ files, speed, config, bus, serde, logger, identity: loadSensorIdentity(config.sensor), signal });
    if (result.failedFiles.length > 0) throw new Error(`replay failed: ${JSON.stringify(result.failedFiles)}`);
    return result.counters.packetsPublished;
  } finally {
    await bus.close();
  }
}

/**
 * Waits until the detector group's committed offsets reach the end of every packets
 * partition: every batch was folded, its alerts produced (the worker produces before it
 * commits). Returns false on timeout.
 */
export async function waitGroupCaughtUp(config: Readonly<Config>, timeoutMs: number): Promise<boolean> {
  const admin = new Kafka(kafkaClientConfig(config, logger)).admin();
  await admin.connect();
  const topic = topicNames(config).packets;
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: config.detector.groupId, topics: [topic] });
      const done = ends.every((end) => {
        const c = committed?.partitions.find((p) => p.partition === end.partition);
        return Number(end.high) === 0 || (c !== undefined && Number(c.offset) >= Number(end.high));
      });
      if (done) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}

export interface Delivered {
  alert: Alert;
  bytes: Buffer;
}

/** Every message of the alerts topic, from the beginning to its current end. */
export async function readAlerts(config: Readonly<Config>, timeoutMs = 30_000): Promise<Delivered[]> {
  const topic = topicNames(config).alerts;
  const admin = new Kafka(kafkaClientConfig(config, logger)).admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const serde = await newSerde(config);
  const bus = createKafkaBus(config, logger);
  const out: Delivered[] = [];
  const seen = new Map<number, number>();
  try {
    if (total === 0) return out;
    const sub = await bus.consume({
      groupId: `it-det-read-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      onBatch: async (b) => {
        for (const m of b.messages) {
          if (Number(m.offset) >= (ends.get(b.partition) ?? 0)) continue;
          out.push({ alert: await serde.decode('alert', m.value), bytes: m.value });
          seen.set(b.partition, Math.max(seen.get(b.partition) ?? 0, Number(m.offset) + 1));
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    const complete = () => [...ends].every(([p, end]) => end === 0 || (seen.get(p) ?? 0) >= end);
    while (!complete() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
    if (!complete()) throw new Error(`read ${out.length} of ${total} alert messages in ${timeoutMs} ms`);
    return out;
  } finally {
    await bus.close();
  }
}

/** The latest revision of each alert id. */
export function latestById(alerts: Iterable<Alert>): Map<string, Alert> {
  const latest = new Map<string, Alert>();
  for (const a of alerts) {
    const prev = latest.get(a.id);
    if (!prev || prev.revision < a.revision) latest.set(a.id, a);
  }
  return latest;
}

/**
 * What "the same alert set" compares: per id its latest revision with category, severity,
 * entities, count and event-time span, one sorted line each (readable in a failing diff).
 */
export function alertSet(alerts: Iterable<Alert>): string[] {
  return [...latestById(alerts).values()]
    .map((a) => `${a.id} r${a.revision} ${a.category} ${a.severity} ${a.src}:${a.srcPort ?? ''} -> ${a.dst ?? ''}:${a.dstPort ?? ''} n=${a.count} ${a.firstSeen}..${a.lastSeen}`)
    .sort();
}

/**
 * Delivery accounting of one run: distinct (id, revision) pairs, and the pairs delivered more
 * than once. A redelivered pair is acceptable only if every copy is byte-equal (the same
 * record re-emitted from the outbox), so `conflicting` must be empty.
 */
export function deliveryStats(delivered: Delivered[]): { distinct: number; duplicated: number; conflicting: string[] } {
  const byPair = new Map<string, Buffer[]>();
  for (const d of delivered) {
    const key = `${d.alert.id}#${d.alert.revision}`;
    byPair.set(key, [...(byPair.get(key) ?? []), d.bytes]);
  }
  let duplicated = 0;
  const conflicting: string[] = [];
  for (const [key, copies] of byPair) {
    if (copies.length > 1) duplicated += copies.length - 1;
    if (copies.some((c) => !c.equals(copies[0]))) conflicting.push(key);
  }
  return { distinct: byPair.size, duplicated, conflicting };
}

/** `analyze` (in-memory, same engine) on the same files with the same configuration. */
export async function analyzeSet(config: Readonly<Config>, files: string[]): Promise<Alert[]> {
  return (await analyzeFiles(config, files)).alerts;
}

/** Removes a run's Redis keys (its own key prefix) from the shared test Redis. */
export async function dropRedisKeys(config: Readonly<Config>): Promise<void> {
  const redis = new Redis(config.redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redis.keyPrefix}*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
