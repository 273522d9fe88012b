/**
 * A detector worker: one member of the consumer group config.detector.groupId on the packets
 * topic. Per partition batch it decodes the PacketBatch messages (undecodable ones go to the
 * DLQ topic with the reason in headers, and the worker goes on), runs the DetectionEngine
 * (fenced, exactly-once state in the StateStore), publishes the alerts (key = alert id) and
 * only then lets the bus commit the offsets. A crash anywhere before the commit redelivers the
 * batch; the engine then re-emits the stored outbox instead of counting twice.
 */
import type { Bus, IncomingMessage, PartitionBatch, Subscription } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import type { Logger } from '../common/observability/logger.ts';
import { counter } from '../common/observability/metrics.ts';
import type { Serde } from '../common/serde/port.ts';
import type { StateStore } from '../common/state/port.ts';
import { topicNames } from '../common/topics.ts';
import { DetectionEngine, type BatchMessage } from './engine/engine.ts';

export interface WorkerOptions {
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  store: StateStore;
  logger: Logger;
}

const packetsTotal = counter('netsentinel_detector_packets_total', 'Packets folded through the detectors.');
const batchesTotal = counter('netsentinel_detector_batches_total', 'Partition batches processed.', ['outcome']);
const alertsTotal = counter('netsentinel_detector_alerts_total', 'Alert revisions published.', ['category']);
const dlqTotal = counter('netsentinel_detector_dlq_total', 'Messages sent to the dead-letter topic.');

export class DetectorWorker {
  private subscription: Subscription | null = null;
  private readonly engine: DetectionEngine;
  private readonly topics: ReturnType<typeof topicNames>;

  constructor(private readonly o: WorkerOptions) {
    this.topics = topicNames(o.config);
    this.engine = new DetectionEngine(o.config, o.store, this.topics.packets);
  }

  async start(): Promise<void> {
    this.subscription = await this.o.bus.consume({
      groupId: this.o.config.detector.groupId,
      topics: [this.topics.packets],
      fromBeginning: true,
      onBatch: (batch) => this.onBatch(batch),
      onAssignment: (assignment) => this.o.logger.info({ assignment }, 'partitions assigned'),
      onCrash: (err) => this.o.logger.error({ err }, 'consumer stopped'),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }

  async onBatch(batch: PartitionBatch): Promise<void> {
    const messages: BatchMessage[] = [];
    const dead: IncomingMessage[] = [];
    const reasons: string[] = [];
    for (const m of batch.messages) {
      try {
        messages.push({ offset: m.offset, batch: await this.o.serde.decode('packetBatch', m.value) });
      } catch (err) {
        dead.push(m);
        reasons.push((err as Error).message);
      }
    }
    if (dead.length > 0) {
      await this.o.bus.produce(
        this.topics.dlq,
        dead.map((m, i) => ({
          key: m.key,
          value: m.value,
          headers: { 'x-netsentinel-reason': reasons[i].slice(0, 500), 'x-netsentinel-source': `${m.topic}/${m.partition}/${m.offset}`, 'x-netsentinel-stage': 'detector-decode' },
        })),
      );
      dlqTotal.inc(dead.length);
      this.o.logger.warn({ partition: batch.partition, count: dead.length, reason: reasons[0] }, 'undecodable messages sent to the DLQ');
    }
    if (messages.length === 0) return;
    const result = await this.engine.process(batch.partition, messages);
    packetsTotal.inc(result.packets);
    batchesTotal.inc({ outcome: result.skippedMessages === messages.length ? 'replayed' : 'applied' });
    if (result.alerts.length > 0) {
      await this.o.bus.produce(
        this.topics.alerts,
        result.alerts.map((a) => ({ key: a.id, value: this.o.serde.encode('alert', a) })),
      );
      for (const a of result.alerts) alertsTotal.inc({ category: a.category });
    }
  }
}
