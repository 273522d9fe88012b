/**
 * `analyze`: reads capture files with the sensor's reader and runs the same DetectionEngine as
 * the workers, with the in-memory StateStore, partitioning packets exactly as the sensor does
 * for Kafka (sensor/packet-router.ts: by source, with victim copies to their destination's partition)
 * so the alerts are the ones the distributed pipeline gives for the same capture.
 */
import type { Config } from '../common/config/schema.ts';
import type { Alert, Packet } from '../common/model.ts';
import { MemoryStore } from '../common/state/memory-store.ts';
import { openCaptureFile } from '../sensor/capture-source.ts';
import { DetectionEngine } from './engine/engine.ts';
import { victimCopyOf } from '../sensor/decode/packet-record.ts';
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
  private readonly pending: Packet[][];
  private readonly offsets: number[];
  private readonly latest = new Map<string, Alert>();
  /** The sensor's partitioning, victim copies included. */
  private readonly router: PacketRouter;
  readonly alerts: Alert[] = [];
  packets = 0;

  constructor(
    private readonly config: Readonly<Config>,
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
  }

  async push(packets: Packet[]): Promise<void> {
    const size = this.options.batchSize ?? this.config.sensor.batchMaxPackets;
    const router = this.router;
    for (const p of packets) {
      // The sensor's partitioning and victim copies (sensor/packet-router.ts).
      const part = router.partitionOf(p);
      const queue = this.pending[part];
      queue.push(p);
      if (queue.length >= size) await this.flush(part);
      const victimPart = router.victimPartitionOf(p);
      if (victimPart >= 0) {
        const victimQueue = this.pending[victimPart];
        victimQueue.push(victimCopyOf(p));
        if (victimQueue.length >= size) await this.flush(victimPart);
      }
    }
    this.packets += packets.length;
  }

  async finish(): Promise<void> {
    for (let part = 0; part < this.pending.length; part++) if (this.pending[part].length > 0) await this.flush(part);
  }

  /** State blobs held live in memory (at most detector.analyzeCacheMaxKeys, or one per partition if that is fewer). */
  get liveKeys(): number {
    return this.engine.liveKeys;
  }

  get incidents(): Alert[] {
    return [...this.latest.values()].sort((a, b) => a.firstSeen - b.firstSeen || (a.id < b.id ? -1 : 1));
  }

  private async flush(part: number): Promise<void> {
    const packets = this.pending[part];
    this.offsets[part] += 1;
    const batch = { sensorId: this.options.sensorId ?? 'analyze', sensorHost: this.options.sensorHost ?? '', batchSeq: this.offsets[part], packets };
    const result = await this.engine.process(part, [{ offset: String(this.offsets[part]), batch }]);
    // The engine keeps no reference to a batch's array once it returns (only to some packets:
    // a new key's first one), so the array is reused (a new one per batch, grown push by push,
    // was 5 % of what analyze allocated). Packets themselves must not be reused.
    packets.length = 0;
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
  for (const file of files) {
    const capture = await openCaptureFile(file);
    for await (const packets of capture) {
      await analyzer.push(packets);
      options.onProgress?.({ file, bytesRead: capture.bytesRead, size: capture.size, packets: analyzer.packets });
    }
  }
  await analyzer.finish();
  return { packets: analyzer.packets, alerts: analyzer.alerts, incidents: analyzer.incidents, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
