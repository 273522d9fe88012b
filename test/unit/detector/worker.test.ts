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

const config = loadConfig({ env: {}, overrides: { 'kafka.partitions': 1, 'detector.rejoinAttempts': 3, 'detector.rejoinBackoffMs': 10 } });
const topics = topicNames(config);
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

async function setup(store: MemoryStore, onFatal: (e: Error) => void) {
  const bus = new MemoryBus({ partitions: 1 });
  const serde = new SingleObjectSerde();
  await serde.init();
  await bus.ensureTopics(topicSpecs(config));
  const alerts: Alert[] = [];
  await bus.consume({ groupId: 'reader', topics: [topics.alerts], onBatch: async (b) => void alerts.push(...(await Promise.all(b.messages.map((m) => serde.decode('alert', m.value))))) });
  const sleeps: number[] = [];
  const worker = new DetectorWorker({ config, bus, serde, store, logger, onFatal, sleep: async (ms) => void sleeps.push(ms) });
  const scan = Array.from({ length: 40 }, (_, i) => syn('10.0.0.5', '10.0.0.9', 1000 + i, 1_700_000_000_000 + i));
  await bus.produce(topics.packets, [{ key: '10.0.0.5', value: serde.encode('packetBatch', { sensorId: 's', sensorHost: 'h', batchSeq: 0, packets: scan }) }]);
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
});
