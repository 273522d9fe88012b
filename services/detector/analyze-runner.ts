/**
 * `analyze`: reads capture files with the sensor's reader and runs the same DetectionEngine as
 * the workers, with the in-memory StateStore, partitioning packets exactly as the sensor does
 * for Kafka (sensor/packet-router.ts: by source, with victim copies to their destination's partition)
 * so the alerts are the ones the distributed pipeline gives for the same capture.
 */
import type { Config } from '../common/config/schema.ts';
import type { Alert, DetectorPacket, Packet } from '../common/model.ts';
import { MemoryStore } from '../common/state/memory-store.ts';
import { openCaptureFile } from '../sensor/capture-source.ts';
import { DetectionEngine } from './engine/engine.ts';
import { detectorPacketOf } from '../sensor/decode/packet-record.ts';
import { PacketRouter } from '../sensor/packet-router.ts';

export interface AnalyzeProgress {
  file: string;
  bytesRead: number;
  size: number;
  packets: number;
}

export interface AnalyzeOptions {
  sensorId?: string;
  sensorHost?: string;
  /** Packets per engine batch per partition (the sensor's batch size by default). */
  batchSize?: number;
  onAlert?: (alert: Alert) => void;
  onProgress?: (progress: AnalyzeProgress) => void;
}

export interface AnalyzeSummary {
  packets: number;
  alerts: Alert[];
  /** Latest revision of each incident. */
  incidents: Alert[];
  seconds: number;
}

/**
 * Serialised blobs the in-process store keeps: four per live one (a spoofed-flood source's JSON
 * with its store entry costs about a quarter of its live state, 2.1 KB, so both halves take
 * similar memory at the bound), and never fewer than many
 * batches' worth of keys, so that a blob spilled early in a commit is not dropped by the same
 * commit's later writes. Beyond it the oldest written state is dropped (keys silent the longest).
 */
export const analyzeStoreMaxKeys = (cacheMaxKeys: number): number => Math.max(4 * cacheMaxKeys, 100_000);

export class PacketAnalyzer {
  private readonly engine: DetectionEngine;
  /** Each partition's next batch, as the detectors read packets (a worker decodes them so too). */
  private readonly pending: DetectorPacket[][];
  /** Full batches in the order they filled, for flushReady(). */
  private readonly ready: Array<{ part: number; packets: DetectorPacket[] }> = [];
  /**
   * Batch arrays folded and emptied, for the next batches: the engine keeps no reference to a
   * batch's array once it returns (only to some packets: a new key's first one), and a new
   * array per batch, grown push by push, was 5 % of what analyze allocated.
   */
  private readonly spare: DetectorPacket[][] = [];
  private readonly batchSize: number;
  private readonly offsets: number[];
  private readonly latest = new Map<string, Alert>();
  /** The sensor's partitioning, victim copies included. */
  private readonly router: PacketRouter;
  readonly alerts: Alert[] = [];
  packets = 0;

  constructor(
    config: Readonly<Config>,
    private readonly options: AnalyzeOptions = {},
    readonly store = new MemoryStore({ maxKeys: analyzeStoreMaxKeys(config.detector.analyzeCacheMaxKeys) }),
  ) {
    // State stays in the engine (nothing else reads this store): no JSON per batch, only for
    // the least recently used state beyond analyzeCacheMaxKeys, which waits in the store.
    this.engine = new DetectionEngine(config, store, 'analyze', {
      durable: false,
      cacheMaxKeys: config.detector.analyzeCacheMaxKeys,
      partitions: config.detector.partitions,
    });
    const n = config.detector.partitions;
    this.router = new PacketRouter(n, 200_000);
    this.pending = Array.from({ length: n }, () => []);
    this.offsets = Array.from({ length: n }, () => -1);
    this.batchSize = options.batchSize ?? config.sensor.batchMaxPackets;
  }

  async push(packets: Packet[]): Promise<void> {
    for (const p of packets) this.route(p);
    await this.flushReady();
  }

  /**
   * Partitions p as the sensor does, with its victim copy (sensor/packet-router.ts), and keeps
   * the fields the detectors read: p itself may be reused once this returns. A batch that
   * fills waits for flushReady(), which folds the batches in the order they filled, so the
   * engine sees the batches, and gives the alerts, of a flush at every fill.
   */
  route(p: Packet): void {
    const part = this.router.partitionOf(p);
    this.add(part, detectorPacketOf(p, p.victimCopy));
    const victimPart = this.router.victimPartitionOf(p);
    if (victimPart >= 0) this.add(victimPart, detectorPacketOf(p, true));
    this.packets++;
  }

  async flushReady(): Promise<void> {
    for (let i = 0; i < this.ready.length; i++) await this.flush(this.ready[i].part, this.ready[i].packets);
    this.ready.length = 0;
  }

  async finish(): Promise<void> {
    await this.flushReady();
    for (let part = 0; part < this.pending.length; part++) {
      if (this.pending[part].length > 0) await this.flush(part, this.pending[part]);
    }
  }

  private add(part: number, p: DetectorPacket): void {
    const queue = this.pending[part];
    queue.push(p);
    if (queue.length < this.batchSize) return;
    this.ready.push({ part, packets: queue });
    this.pending[part] = this.spare.pop() ?? [];
  }

  /** State blobs held live in memory (at most detector.analyzeCacheMaxKeys, or one per partition if that is fewer). */
  get liveKeys(): number {
    return this.engine.liveKeys;
  }

  get incidents(): Alert[] {
    return [...this.latest.values()].sort((a, b) => a.firstSeen - b.firstSeen || (a.id < b.id ? -1 : 1));
  }

  private async flush(part: number, packets: DetectorPacket[]): Promise<void> {
    this.offsets[part] += 1;
    const batch = { sensorId: this.options.sensorId ?? 'analyze', sensorHost: this.options.sensorHost ?? '', batchSeq: this.offsets[part], packets };
    const result = await this.engine.process(part, [{ offset: String(this.offsets[part]), batch }]);
    packets.length = 0;
    if (packets !== this.pending[part]) this.spare.push(packets);
    for (const alert of result.alerts) {
      this.alerts.push(alert);
      const prev = this.latest.get(alert.id);
      if (!prev || prev.revision <= alert.revision) this.latest.set(alert.id, alert);
      this.options.onAlert?.(alert);
    }
  }
}

export async function analyzeFiles(config: Readonly<Config>, files: string[], options: AnalyzeOptions = {}): Promise<AnalyzeSummary> {
  const started = process.hrtime.bigint();
  const analyzer = new PacketAnalyzer(config, options);
  const route = (p: Packet) => analyzer.route(p);
  try {
    for (const file of files) {
      const capture = await openCaptureFile(file);
      try {
        // One reused Packet decoded into, the detectors' fields copied out of it (route).
        while (await capture.readChunkInto(route)) {
          await analyzer.flushReady();
          options.onProgress?.({ file, bytesRead: capture.bytesRead, size: capture.size, packets: analyzer.packets });
        }
      } finally {
        await capture.close();
      }
    }
  } catch (err) {
    // A damaged file ends the run with its error, after the alerts of every packet before the
    // damage, the batches not yet full too.
    await analyzer.finish();
    throw err;
  }
  await analyzer.finish();
  return { packets: analyzer.packets, alerts: analyzer.alerts, incidents: analyzer.incidents, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
