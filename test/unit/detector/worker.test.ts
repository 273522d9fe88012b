/**
 * The worker's failure behaviour: when its consumer stops (here a state store that fails, as an
 * unreachable Redis does), it re-joins after a backoff and loses nothing; when the failure
 * persists it gives up after config.detector.rejoinAttempts and says so (onFatal), instead of
 * sitting in the group idle.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Alert } from '../../../services/common/model.ts';
import { createLogger } from '../../../services/common/observability/logger.ts';
import { SingleObjectSerde } from '../../../services/common/serde/single-object-serde.ts';
import { MemoryStore } from '../../../services/common/state/memory-store.ts';
import type { PartitionCommit } from '../../../services/common/state/port.ts';
import { StateStoreError } from '../../../services/common/errors.ts';
import { topicNames, topicSpecs } from '../../../services/common/topics.ts';
import { DetectorWorker } from '../../../services/detector/worker.ts';
import { syn } from './packets.ts';

const overrides = { 'kafka.partitions': 1, 'detector.rejoinAttempts': 3, 'detector.rejoinBackoffMs': 10 };
const baseConfig = loadConfig({ env: {}, overrides });
const topics = topicNames(baseConfig);
const logger = createLogger({ level: 'silent' });

/** A MemoryStore whose commit fails `failures` times (Infinity: always), like a Redis that is down. */
class FailingStore extends MemoryStore {
  commits = 0;
  constructor(private failures: number) {
    super();
  }
  override async commit(c: PartitionCommit) {
    this.commits++;
    if (this.failures > 0) {
      this.failures--;
      throw new StateStoreError('redis commit failed: connect ECONNREFUSED 127.0.0.1:6379');
    }
    return super.commit(c);
  }
}

/** A MemoryStore whose commit number `failing` (1 = the first) fails once. */
class FailingOnceStore extends MemoryStore {
  commits = 0;
  constructor(private readonly failing: number) {
    super();
  }
  override async commit(c: PartitionCommit) {
    if (++this.commits === this.failing) throw new StateStoreError('redis commit failed: connect ECONNREFUSED 127.0.0.1:6379');
    return super.commit(c);
  }
}

async function setup(store: MemoryStore, onFatal: (e: Error) => void, stepMaxPackets?: number) {
  const config = stepMaxPackets === undefined ? baseConfig : loadConfig({ env: {}, overrides: { ...overrides, 'detector.stepMaxPackets': stepMaxPackets } });
  const bus = new MemoryBus({ partitions: 1 });
  const serde = new SingleObjectSerde();
  await serde.init();
  await bus.ensureTopics(topicSpecs(config));
  const alerts: Alert[] = [];
  await bus.consume({ groupId: 'reader', topics: [topics.alerts], onBatch: async (b) => void alerts.push(...(await Promise.all(b.messages.map((m) => serde.decode('alert', m.value))))) });
  const sleeps: number[] = [];
  const worker = new DetectorWorker({ config, bus, serde, store, logger, onFatal, sleep: async (ms) => void sleeps.push(ms) });
  // One scan: 40 probes 1 ms apart in one message, or (stepMaxPackets set) 400 probes 100 ms
  // apart in 4 messages of 100, 4 steps of one Kafka batch whose incident grows past cooldowns.
  const [probes, gapMs, perMessage] = stepMaxPackets === undefined ? [40, 1, 40] : [400, 100, stepMaxPackets];
  const scan = Array.from({ length: probes }, (_, i) => syn('10.0.0.5', '10.0.0.9', 1000 + i, 1_700_000_000_000 + i * gapMs));
  const messages = [];
  for (let m = 0; m * perMessage < probes; m++) {
    messages.push({ key: '10.0.0.5', value: serde.encode('packetBatch', { sensorId: 's', sensorHost: 'h', batchSeq: m, packets: scan.slice(m * perMessage, (m + 1) * perMessage) }) });
  }
  await bus.produce(topics.packets, messages);
  return { bus, worker, alerts, sleeps };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

describe('DetectorWorker failure behaviour', () => {
  it('re-joins after a backoff when the store fails, then processes the batch once', async () => {
    const store = new FailingStore(2);
    const fatal: Error[] = [];
    const { bus, worker, alerts, sleeps } = await setup(store, (e) => fatal.push(e));
    await worker.start();
    await until(() => alerts.length > 0);
    await worker.stop();
    await bus.close();
    expect(store.commits).toBe(3);
    expect(sleeps).toEqual([10, 20]);
    expect(fatal).toEqual([]);
    expect(worker.failed).toBeNull();
    expect(alerts.map((a) => [a.category, a.revision])).toEqual([['port_scan', 0]]);
  });

  it('gives up after rejoinAttempts failures in a row and reports it (the CLI exits 1)', async () => {
    const store = new FailingStore(Infinity);
    const fatal: Error[] = [];
    const { bus, worker, alerts, sleeps } = await setup(store, (e) => fatal.push(e));
    await worker.start();
    await until(() => fatal.length > 0);
    await bus.close();
    expect(fatal).toHaveLength(1);
    expect(fatal[0].message).toContain('ECONNREFUSED');
    expect(worker.failed).toBe(fatal[0]);
    expect(store.commits).toBe(4);
    expect(sleeps).toEqual([10, 20, 40]);
    expect(alerts).toEqual([]);
  });

  it('loses and repeats nothing when a commit fails while the next step was being prepared', async () => {
    const clean = new FailingOnceStore(0);
    const reference = await setup(clean, () => undefined, 100);
    await reference.worker.start();
    await until(() => clean.commits === 4);
    await reference.worker.stop();
    await reference.bus.close();
    // Alerts from more than one step: the first and revisions after cooldowns.
    expect(reference.alerts.length).toBeGreaterThan(1);

    // The second step's commit fails after the third step was decoded and its state asked for.
    const store = new FailingOnceStore(2);
    const fatal: Error[] = [];
    const { bus, worker, alerts, sleeps } = await setup(store, (e) => fatal.push(e), 100);
    await worker.start();
    await until(() => store.commits === 5);
    await worker.stop();
    await bus.close();
    expect(sleeps).toEqual([10]);
    expect(fatal).toEqual([]);
    const ref = { stream: topics.packets, partition: 0 };
    expect((await store.load(ref, [])).applied).toBe((await clean.load(ref, [])).applied);
    // The redelivered batch re-emits the outbox of its last committed step (the same id and
    // revision again, which consumers keep once): as a set, the alerts of the clean run.
    const revisions = (list: Alert[]) => [...new Set(list.map((a) => JSON.stringify([a.id, a.revision, a.count, a.lastSeen])))].sort();
    expect(revisions(alerts)).toEqual(revisions(reference.alerts));
    expect(new Set(reference.alerts.map((a) => `${a.id}/${a.revision}`)).size).toBe(reference.alerts.length);
  });
});
