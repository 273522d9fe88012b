/**
 * A detector worker: one member of the consumer group config.detector.groupId on the packets
 * topic. Per partition batch it decodes the PacketBatch messages (undecodable ones go to the
 * DLQ topic with the reason in headers, and the worker goes on), runs the DetectionEngine
 * (fenced, exactly-once state in the StateStore), publishes the alerts (key = alert id) and
 * only then lets the bus commit the offsets. A crash anywhere before the commit redelivers the
 * batch; the engine then re-emits the stored outbox instead of counting twice.
 *
 * Failure: when the consumer stops (a batch that throws, e.g. Redis unreachable, or a Kafka
 * error kafkajs does not retry itself) the worker re-joins the group after a doubling backoff,
 * up to config.detector.rejoinAttempts times in a row (a batch that succeeds resets the count),
 * logging each attempt. When they are spent it calls onFatal: `netsentinel detector` then exits
 * non-zero so its supervisor (systemd, Kubernetes, compose `restart:`) restarts it. It never
 * sits idle in the group without consuming.
 */
import type { Bus, PartitionBatch, Subscription } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import type { Logger } from '../common/observability/logger.ts';
import { counter } from '../common/observability/metrics.ts';
import type { Serde } from '../common/serde/port.ts';
import type { StateStore } from '../common/state/port.ts';
import { topicNames, topicSpecs } from '../common/topics.ts';
import { DetectionEngine, type Prefetch, type ProcessOptions } from './engine/engine.ts';
import { type DecodedStep, StepReader } from './step-reader.ts';

export interface WorkerOptions {
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  store: StateStore;
  logger: Logger;
  /** Re-joining failed rejoinAttempts times in a row; the worker has stopped for good. */
  onFatal?: (error: Error) => void;
  /** Sleep used between re-join attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

const packetsTotal = counter('netsentinel_detector_packets_total', 'Packets folded through the detectors.');
const batchesTotal = counter('netsentinel_detector_batches_total', 'Partition batches processed.', ['outcome']);
const alertsTotal = counter('netsentinel_detector_alerts_total', 'Alert revisions published.', ['category']);
const dlqTotal = counter('netsentinel_detector_dlq_total', 'Messages sent to the dead-letter topic.');
const rejoinsTotal = counter('netsentinel_detector_rejoins_total', 'Times the consumer stopped on an error and the worker re-joined the group.');

const MAX_BACKOFF_MS = 60_000;

export class DetectorWorker {
  private subscription: Subscription | null = null;
  private readonly engine: DetectionEngine;
  private readonly topics: ReturnType<typeof topicNames>;
  private stopped = false;
  private topicsReady = false;
  /** Consecutive failed runs since the last successful batch. */
  private failures = 0;
  private fatal: Error | null = null;

  constructor(private readonly o: WorkerOptions) {
    this.topics = topicNames(o.config);
    this.engine = new DetectionEngine(o.config, o.store, this.topics.packets, {
      onFeedRefresh: (change) => {
        if (change.outcome === 'failed') o.logger.warn({ file: change.path, reason: change.reason }, 'feed file changed but could not be read again: its previous entries stay in use');
        else o.logger.info({ file: change.path }, 'feed file read again');
      },
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Whichever service comes first creates the topics: a consumer that subscribes to a missing
    // topic would let the broker auto-create it with its default partition count.
    if (!this.topicsReady) {
      await this.o.bus.ensureTopics(topicSpecs(this.o.config));
      this.topicsReady = true;
    }
    this.subscription = await this.o.bus.consume({
      groupId: this.o.config.detector.groupId,
      topics: [this.topics.packets],
      fromBeginning: true,
      onBatch: async (batch) => {
        await this.onBatch(batch);
        this.failures = 0;
      },
      onAssignment: (assignment) => this.o.logger.info({ assignment }, 'partitions assigned'),
      onCrash: (err) => void this.recover(err),
    });
  }

  /** Set once the worker gave up (onFatal was called). */
  get failed(): Error | null {
    return this.fatal;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
    this.subscription = null;
  }

  private async recover(err: Error): Promise<void> {
    this.subscription = null;
    const { rejoinAttempts, rejoinBackoffMs } = this.o.config.detector;
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let last = err;
    while (!this.stopped) {
      this.failures += 1;
      if (this.failures > rejoinAttempts) {
        this.fatal = last;
        this.o.logger.fatal({ err: last, attempts: rejoinAttempts }, 'detector consumer keeps failing: giving up (exit for the supervisor to restart the worker)');
        this.o.onFatal?.(last);
        return;
      }
      const backoffMs = Math.min(MAX_BACKOFF_MS, rejoinBackoffMs * 2 ** (this.failures - 1));
      this.o.logger.error({ err: last, attempt: this.failures, of: rejoinAttempts, backoffMs }, 'detector consumer stopped: re-joining the group after a backoff');
      await sleep(backoffMs);
      if (this.stopped) return;
      try {
        rejoinsTotal.inc();
        await this.start();
        return;
      } catch (e) {
        last = e instanceof Error ? e : new Error(String(e));
      }
    }
  }

  /**
   * A Kafka batch can hold over a hundred thousand packets (1 MiB of gzip'd batches per
   * partition per fetch): it is decoded and folded in steps of about detector.stepMaxPackets,
   * each step committed to the store and its alerts published before the next is folded, so
   * memory stays bounded. Exactly-once still holds: only the last committed step's alerts can
   * be unpublished at a crash, and that is the outbox the engine re-emits on redelivery.
   * While a step's commit is on its way to Redis the next step is decoded and its state asked
   * for (DetectionEngine.prefetch): Redis works on the commit meanwhile instead of this thread
   * waiting for it.
   */
  async onBatch(batch: PartitionBatch): Promise<void> {
    const steps = new StepReader(batch.messages, this.o.config.detector.stepMaxPackets, this.o.serde);
    let step = await steps.next(false);
    let prefetched: Prefetch | undefined;
    while (step !== null) {
      let next: DecodedStep | null | undefined;
      const whileCommitting = async (): Promise<void> => {
        next = await steps.next(true);
        prefetched = next !== null && next.messages.length > 0 ? this.engine.prefetch(batch.partition, next.messages) : undefined;
      };
      await this.step(batch.partition, step, { prefetched, whileCommitting });
      if (next === undefined) {
        prefetched = undefined;
        next = await steps.next(false);
      }
      step = next;
    }
  }

  private async step(partition: number, { messages, dead, reasons }: DecodedStep, options: ProcessOptions): Promise<void> {
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
      this.o.logger.warn({ partition, count: dead.length, reason: reasons[0] }, 'undecodable messages sent to the DLQ');
    }
    if (messages.length === 0) return;
    const result = await this.engine.process(partition, messages, options);
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
