/**
 * `analyze`: reads capture files with the sensor's reader and runs the same DetectionEngine as
 * the workers, with the in-memory StateStore, partitioning packets exactly as the sensor does
 * for Kafka (sensor/packet-router.ts: by source, with victim copies to their destination's partition)
 * so the alerts are the ones the distributed pipeline gives for the same capture.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../common/config/schema.ts';
import type { Alert, Packet } from '../common/model.ts';
import type { PackedPackets } from '../common/packed-packet.ts';
import { MemoryStore } from '../common/state/memory-store.ts';
import type { CaptureFilter } from '../sensor/capture-filter.ts';
import { openCaptureFile } from '../sensor/capture-source.ts';
import { DetectionEngine } from './engine/engine.ts';
import { packedBatches, PartitionBatches, type PartitionBatch } from '../sensor/partition-batches.ts';

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
  /** What the file '-' reads: process.stdin by default. */
  stdin?: Readable;
  /**
   * Stops reading when aborted (Ctrl-C): the packets read so far are folded, their alerts
   * given, and the summary says it was interrupted.
   */
  signal?: AbortSignal;
  /** Only the packets this libpcap filter keeps are analysed (`--filter`). */
  filter?: CaptureFilter;
}

/**
 * For a capture read as a stream (standard input, a pipe), how long its packets wait at most in
 * partly filled batches before they are folded: a batch is otherwise folded when 2,000 packets
 * of its partition have come, which a live `tcpdump -w - -U` on a quiet network might take
 * minutes to send. Where the stream is cut into batches does not change the alerts.
 */
export const STREAM_FLUSH_MS = 1_000;

export interface AnalyzeSummary {
  packets: number;
  alerts: Alert[];
  /** Latest revision of each incident. */
  incidents: Alert[];
  seconds: number;
  /** The earliest and latest packet timestamps (ms), null when there were no packets. */
  firstPacketMs: number | null;
  lastPacketMs: number | null;
  /** Stopped by AnalyzeOptions.signal before the end of the captures. */
  interrupted: boolean;
  /** Frames AnalyzeOptions.filter dropped (0 without one). */
  filtered: number;
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
  /**
   * The sensor's partitioning, victim copies included, into batches of the packets' fields
   * the detectors read, packed as a worker decodes them (a Packet routed may then be reused).
   */
  private readonly batches: PartitionBatches<PackedPackets>;
  /** Batches that filled, in that order, for flushReady(). */
  private readonly ready: Array<PartitionBatch<PackedPackets>> = [];
  private readonly offsets: number[];
  private readonly latest = new Map<string, Alert>();
  readonly alerts: Alert[] = [];
  packets = 0;
  /** The earliest and latest packet timestamps (µs) routed. */
  minTs = Infinity;
  maxTs = -Infinity;

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
    const batchSize = options.batchSize ?? config.sensor.batchMaxPackets;
    this.batches = new PartitionBatches(n, batchSize, packedBatches(batchSize));
    this.offsets = Array.from({ length: n }, () => -1);
  }

  async push(packets: Packet[]): Promise<void> {
    for (const p of packets) this.route(p);
    await this.flushReady();
  }

  /**
   * Adds p to its partition's batch (and its victim copy to its destination's): p may be reused
   * once this returns. A batch that fills waits for flushReady(), which folds the batches in
   * the order they filled: the engine sees the batches, and gives the alerts, of a flush at
   * every fill.
   */
  route(p: Packet): void {
    for (const batch of this.batches.add(p)) this.ready.push(batch);
    this.packets++;
    if (p.ts < this.minTs) this.minTs = p.ts;
    if (p.ts > this.maxTs) this.maxTs = p.ts;
  }

  async flushReady(): Promise<void> {
    for (let i = 0; i < this.ready.length; i++) await this.flush(this.ready[i]);
    this.ready.length = 0;
  }

  /** Folds every packet routed so far, the batches not yet full too (routing may go on after). */
  async finish(): Promise<void> {
    await this.flushReady();
    for (const batch of this.batches.rest()) await this.flush(batch);
  }

  /** State blobs held live in memory (at most detector.analyzeCacheMaxKeys, or one per partition if that is fewer). */
  get liveKeys(): number {
    return this.engine.liveKeys;
  }

  get incidents(): Alert[] {
    return [...this.latest.values()].sort((a, b) => a.firstSeen - b.firstSeen || (a.id < b.id ? -1 : 1));
  }

  private async flush({ partition, packets }: PartitionBatch<PackedPackets>): Promise<void> {
    this.offsets[partition] += 1;
    const batch = { sensorId: this.options.sensorId ?? 'analyze', sensorHost: this.options.sensorHost ?? '', batchSeq: this.offsets[partition], packets };
    const result = await this.engine.process(partition, [{ offset: String(this.offsets[partition]), batch }]);
    // The engine keeps nothing of a batch once it returns (a new key's first packet it copies).
    this.batches.reuse(packets);
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
  const signal = options.signal;
  try {
    for (const file of files) {
      if (signal?.aborted) break;
      const capture = await openCaptureFile(file, { stdin: options.stdin, filter: options.filter });
      // Standard input or a pipe, whose packets may come slowly: see STREAM_FLUSH_MS.
      const streamed = capture.size === 0;
      let flushed = Date.now();
      const flushAll = async (): Promise<void> => {
        await analyzer.finish();
        flushed = Date.now();
      };
      try {
        for (;;) {
          // One reused Packet decoded into, the detectors' fields copied out of it (route).
          const reading = capture.readChunkInto(route);
          // A file's chunk is read in milliseconds; a stream may wait for its bytes for ever.
          const more = streamed ? await whileFlushingIdle(reading, flushAll, signal) : await reading;
          if (!more || signal?.aborted) break;
          await analyzer.flushReady();
          if (streamed && Date.now() - flushed >= STREAM_FLUSH_MS) await flushAll();
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
  const span = analyzer.packets > 0 ? { firstPacketMs: analyzer.minTs / 1000, lastPacketMs: analyzer.maxTs / 1000 } : { firstPacketMs: null, lastPacketMs: null };
  const interrupted = signal?.aborted === true;
  return { packets: analyzer.packets, alerts: analyzer.alerts, incidents: analyzer.incidents, seconds: Number(process.hrtime.bigint() - started) / 1e9, ...span, interrupted, filtered: options.filter?.dropped ?? 0 };
}

/**
 * Awaits a read of a stream, folding everything routed so far each time STREAM_FLUSH_MS pass
 * without it. The read routes its packets synchronously when its bytes come, so a flush under
 * way then has already taken the batches it folds, and the read's packets go to new ones.
 * Resolves false, the read left waiting, once `signal` is aborted.
 */
async function whileFlushingIdle(reading: Promise<boolean>, flushAll: () => Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) return false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const idle = new Promise<'idle'>((resolve) => {
      timer = setTimeout(() => resolve('idle'), STREAM_FLUSH_MS);
      onAbort = () => resolve('idle');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([reading, idle]).finally(() => {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    });
    if (outcome !== 'idle') return outcome;
    if (signal?.aborted) return false;
    await flushAll();
  }
}
