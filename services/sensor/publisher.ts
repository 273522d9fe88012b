/**
 * Publishes PacketBatch messages through the Bus port. Batches of one partition are sent one
 * after the other (a batch waits for the previous one of its partition to be acknowledged),
 * so per-source order survives retries; different partitions go concurrently, at most
 * maxInFlight batches in all. `publish` resolves once the batch is admitted: a replay awaits it
 * (backpressure); a live capture checks `saturated` first and counts the packets it drops.
 */
import type { Bus } from '../common/bus/port.ts';
import type { Packet } from '../common/model.ts';
import type { Serde } from '../common/serde/port.ts';
import type { SensorCounters } from './sensor-counters.ts';

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
  private readonly tails = new Map<number, Promise<void>>();
  private waiters: Array<() => void> = [];
  private failed: unknown = null;

  constructor(private readonly o: PublisherOptions) {}

  get saturated(): boolean {
    return this.inFlight >= this.o.maxInFlight;
  }

  get error(): unknown {
    return this.failed;
  }

  async publish(partition: number, key: string, packets: Packet[]): Promise<void> {
    if (this.failed !== null) throw this.failed;
    while (this.inFlight >= this.o.maxInFlight) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.send(partition, key, packets);
  }

  /** Sends without waiting for room (the caller checked `saturated`, or flushes at the end). */
  send(partition: number, key: string, packets: Packet[]): void {
    const value = this.o.serde.encode('packetBatch', {
      sensorId: this.o.sensorId,
      sensorHost: this.o.sensorHost,
      batchSeq: this.batchSeq++,
      packets,
    });
    this.inFlight++;
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const sent = previous.then(async () => {
      try {
        if (this.failed === null) {
          await this.o.bus.produce(this.o.topic, [{ key, value }]);
          this.o.counters.packetsPublished += packets.length;
        }
      } catch (err) {
        if (this.failed === null) {
          this.failed = err;
          this.o.onError(err);
        }
      } finally {
        this.inFlight--;
        const w = this.waiters.shift();
        if (w) w();
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
