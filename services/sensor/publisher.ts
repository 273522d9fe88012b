/**
 * Publishes PacketBatch messages through the Bus port. Batches of one partition are sent one
 * after the other (a batch waits for the previous one of its partition to be acknowledged),
 * so per-source order survives retries; different partitions go concurrently, at most
 * maxInFlight batches in all. `publish` resolves once the batch is admitted: a replay awaits it
 * (backpressure); a live capture checks `saturated` first and counts the packets it drops.
 */
import type { Bus } from '../common/bus/port.ts';
import { SerdeError } from '../common/errors.ts';
import type { PacketBatchBody } from '../common/serde/packet-batch-encoder.ts';
import type { Serde } from '../common/serde/port.ts';
import type { Config } from '../common/config/schema.ts';
import { errorLine } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import { topicNames, topicSpecs } from '../common/topics.ts';
import type { SensorCounters } from './sensor-counters.ts';
import type { SensorIdentity } from './sensor-identity.ts';

export interface PublisherOptions {
  bus: Bus;
  serde: Serde;
  topic: string;
  sensorId: string;
  sensorHost: string;
  maxInFlight: number;
  counters: SensorCounters;
  onError: (err: unknown) => void;
}

export class Publisher {
  private batchSeq = 0;
  private inFlight = 0;
  /** Partitions with an empty batch not yet acknowledged (sendIdle). */
  private readonly idleInFlight = new Set<number>();
  private readonly tails = new Map<number, Promise<void>>();
  private waiters: Array<() => void> = [];
  private failed: unknown = null;
  private header: Buffer | null = null;

  constructor(private readonly o: PublisherOptions) {}

  /**
   * The PacketBatch message of the packets in body (which the caller may reset afterwards),
   * numbered with the next batchSeq; its size is exact, unlike the batcher's old estimate.
   */
  frame(body: PacketBatchBody): Buffer {
    this.header ??= framingHeader(this.o.serde);
    return body.frame(this.header, this.o.sensorId, this.o.sensorHost, this.batchSeq++);
  }

  get saturated(): boolean {
    return this.inFlight >= this.o.maxInFlight;
  }

  get error(): unknown {
    return this.failed;
  }

  /** Sends once fewer than maxInFlight batches are unacknowledged (a framed batch of `packets` packets). */
  async publish(partition: number, key: string, value: Buffer, packets: number): Promise<void> {
    if (this.failed !== null) throw this.failed;
    while (this.inFlight >= this.o.maxInFlight) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.send(partition, key, value, packets);
  }

  /** Sends without waiting for room (the caller checked `saturated`, or flushes at the end). */
  send(partition: number, key: string, value: Buffer, packets: number): void {
    this.inFlight++;
    this.chain(partition, key, value, packets, () => {
      this.inFlight--;
      const w = this.waiters.shift();
      if (w) w();
    });
  }

  /**
   * Sends an empty batch (Batcher#emitIdle) outside the maxInFlight count, so that it never
   * makes a live capture drop packets (the first produce to a topic waits for its metadata); at
   * most one per partition is unacknowledged at a time, the others are not sent.
   */
  sendIdle(partition: number, key: string, value: Buffer): void {
    if (this.failed !== null || this.idleInFlight.has(partition)) return;
    this.idleInFlight.add(partition);
    this.chain(partition, key, value, 0, () => this.idleInFlight.delete(partition));
  }

  /** Produces after the partition's previous batch was acknowledged (per-source order survives retries). */
  private chain(partition: number, key: string, value: Buffer, packets: number, settled: () => void): void {
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const sent = previous.then(async () => {
      try {
        if (this.failed === null) {
          await this.o.bus.produce(this.o.topic, [{ key, value }]);
          this.o.counters.packetsPublished += packets;
        }
      } catch (err) {
        if (this.failed === null) {
          this.failed = err;
          this.o.onError(err);
        }
      } finally {
        settled();
      }
    });
    this.tails.set(partition, sent);
    void sent.then(() => {
      if (this.tails.get(partition) === sent) this.tails.delete(partition);
    });
  }

  /** Resolves when every batch sent so far is acknowledged; throws the first publish error. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
    if (this.failed !== null) throw this.failed;
  }
}

/**
 * What the serde puts before the Avro body of a packet batch (registry: magic byte and schema
 * id; embedded: C3 01 and the fingerprint), found by encoding an empty batch through it: that
 * batch's body is four zero bytes ("", "", 0, end of the packets array).
 */
export function framingHeader(serde: Serde): Buffer {
  const empty = serde.encode('packetBatch', { sensorId: '', sensorHost: '', batchSeq: 0, packets: [] });
  if (empty.length < 4 || empty.readUInt32BE(empty.length - 4) !== 0) {
    throw new SerdeError(`packetBatch: the serde does not frame as header + Avro body (an empty batch encoded as ${empty.toString('hex')})`);
  }
  return Buffer.from(empty.subarray(0, empty.length - 4));
}

export interface SensorPublisherOptions {
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  identity: SensorIdentity;
  counters: SensorCounters;
  logger: Logger;
}

/** The packets-topic publisher of a sensor, after making sure the topics exist. */
export async function openSensorPublisher(o: SensorPublisherOptions): Promise<Publisher> {
  await o.bus.ensureTopics(topicSpecs(o.config));
  return new Publisher({
    bus: o.bus,
    serde: o.serde,
    topic: topicNames(o.config).packets,
    sensorId: o.identity.id,
    sensorHost: o.identity.hostname,
    maxInFlight: o.config.sensor.maxInFlightBatches,
    counters: o.counters,
    onError: (err) => o.logger.error({ err: errorLine(err) }, 'publishing a packet batch failed'),
  });
}
