/**
 * Heartbeats on the compacted heartbeats topic, keyed by sensor id: one at start, one every
 * interval, and a last one with status 'stopped' on a clean shutdown.
 */
import type { Bus } from '../common/bus/port.ts';
import type { Heartbeat } from '../common/model.ts';
import type { Serde } from '../common/serde/port.ts';
import { VERSION } from '../common/version.ts';
import type { SensorCounters } from './sensor-counters.ts';
import type { SensorIdentity } from './sensor-identity.ts';

export interface HeartbeatOptions {
  bus: Bus;
  serde: Serde;
  topic: string;
  identity: SensorIdentity;
  mode: 'live' | 'replay';
  input: string;
  intervalMs: number;
  counters: SensorCounters;
  onError: (err: unknown) => void;
}

export class HeartbeatEmitter {
  private timer: NodeJS.Timeout | null = null;
  private readonly startTime = Date.now();
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    this.beat('running');
    this.timer = setInterval(() => this.beat('running'), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.beat('stopped');
    await this.sending;
  }

  record(status: string): Heartbeat {
    const c = this.o.counters;
    return {
      sensorId: this.o.identity.id,
      hostname: this.o.identity.hostname,
      os: this.o.identity.os,
      addresses: this.o.identity.addresses,
      mode: this.o.mode,
      input: this.o.input,
      version: VERSION,
      ts: Date.now(),
      startTime: this.startTime,
      packetsSeen: c.packetsSeen,
      packetsPublished: c.packetsPublished,
      packetsDropped: c.packetsDropped + c.packetsDroppedByCapture,
      bytesSeen: c.bytesSeen,
      status,
    };
  }

  private beat(status: string): void {
    const value = this.o.serde.encode('heartbeat', this.record(status));
    // Heartbeats are sent one after the other so the compacted topic ends with the last one.
    this.sending = this.sending.then(() => this.o.bus.produce(this.o.topic, [{ key: this.o.identity.id, value }])).catch(this.o.onError);
  }
}
