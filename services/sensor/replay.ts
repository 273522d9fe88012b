/**
 * Replays capture files into the packets topic: decode, batch per partition, publish with
 * backpressure (a replay waits for Kafka, it never drops). At --speed N the captured timing is
 * kept (a packet is published no earlier than its capture offset / N after the start); at
 * speed Infinity as fast as Kafka acknowledges. A bad file is reported and skipped; the other
 * files still go.
 */
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import { errorLine } from '../common/errors.ts';
import type { Packet } from '../common/model.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { Serde } from '../common/serde/port.ts';
import { Batcher } from './batcher.ts';
import { STDIN_ARG } from './byte-source.ts';
import type { CaptureFilter } from './capture-filter.ts';
import { openCaptureFile, type CaptureFile } from './capture-source.ts';
import { openSensorPublisher } from './publisher.ts';
import { newCounters, type SensorCounters } from './sensor-counters.ts';
import type { SensorIdentity } from './sensor-identity.ts';

export interface ReplayProgress {
  file: string;
  packets: number;
  /** Bytes of the files as stored read so far (compressed ones: of their compressed data). */
  bytesRead: number;
  /** Their sizes, summed; 0 when one is not known (standard input, a pipe). */
  totalBytes: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  files: string[];
  /** Playback speed factor; Infinity = as fast as possible. */
  speed: number;
  loop?: boolean;
  config: Readonly<Config>;
  bus: Bus;
  serde: Serde;
  logger: Logger;
  identity: SensorIdentity;
  counters?: SensorCounters;
  onProgress?: (progress: ReplayProgress) => void;
  /** Called for a file that cannot be read (the replay goes on with the others). */
  onFileError?: (file: string, err: unknown) => void;
  signal?: AbortSignal;
  /**
   * Shift packet timestamps so the replay happens now: the first packet gets the wall-clock
   * time and every file (and every loop) continues after the previous one. Event-time
   * detection then sees one continuous, current capture instead of the same old seconds
   * again and again (the demo loop, a lab sensor replaying forever).
   */
  rebaseTime?: boolean;
  /** Only the packets this libpcap filter keeps are published (and counted as seen). */
  filter?: CaptureFilter;
}

export interface ReplayResult {
  counters: SensorCounters;
  failedFiles: Array<{ file: string; error: string }>;
  elapsedMs: number;
}

export async function replayCaptures(o: ReplayOptions): Promise<ReplayResult> {
  const counters = o.counters ?? newCounters();
  const { config } = o;
  const publisher = await openSensorPublisher({ config, bus: o.bus, serde: o.serde, identity: o.identity, counters, logger: o.logger });
  // Framed at once (the batcher reuses a group's buffer), published in order afterwards.
  const ready: Array<[number, string, Buffer, number]> = [];
  const batcher = new Batcher({
    partitions: config.kafka.partitions,
    maxPackets: config.sensor.batchMaxPackets,
    maxBytes: config.sensor.batchMaxBytes,
    maxDelayMs: config.sensor.batchMaxDelayMs,
    emit: (partition, key, body) => ready.push([partition, key, publisher.frame(body), body.count - body.victimCopies]),
  });
  const publishReady = async () => {
    for (let i = 0; i < ready.length; i++) await publisher.publish(...ready[i]);
    ready.length = 0;
  };

  const started = Date.now();
  const failedFiles: ReplayResult['failedFiles'] = [];
  const totalBytes = knownTotalSize(o.files);
  let doneBytes = 0;
  let lastProgress = 0;
  const paced = Number.isFinite(o.speed) && o.speed > 0;
  // Rebased time: shift = (where this file starts on the new time line) - (its first ts).
  let lastShiftedTs = 0;
  const rebaseGapMicros = 1_000_000;

  do {
    for (const file of o.files) {
      if (o.signal?.aborted) break;
      let capture;
      let fileBytes = 0;
      try {
        capture = await openCaptureFile(file, { filter: o.filter });
        fileBytes = capture.size;
        let firstTs = -1;
        let wallStart = 0;
        let shift = Number.NaN;
        const rebase = (p: Packet) => {
          if (Number.isNaN(shift)) shift = Math.max(Date.now() * 1000, lastShiftedTs + rebaseGapMicros) - p.ts;
          p.ts += shift;
          if (p.ts > lastShiftedTs) lastShiftedTs = p.ts;
        };
        const afterChunk = async (reader: CaptureFile) => {
          if (ready.length > 0) await publishReady();
          if (publisher.error !== null) throw publisher.error;
          const now = Date.now();
          if (o.onProgress && now - lastProgress >= 200) {
            lastProgress = now;
            o.onProgress({ file, packets: counters.packetsSeen, bytesRead: doneBytes + reader.bytesRead, totalBytes, elapsedMs: now - started });
          }
        };
        if (!paced) {
          // At full speed a packet goes into its batch (encoded there) as soon as it is decoded:
          // one reused Packet object for the whole file instead of one per packet.
          const add = (p: Packet) => {
            if (o.rebaseTime) rebase(p);
            counters.packetsSeen++;
            counters.bytesSeen += p.length;
            batcher.add(p);
          };
          for (let more = true; more && !o.signal?.aborted; ) {
            more = await capture.readChunkInto(add);
            await afterChunk(capture);
          }
          continue;
        }
        for await (const packets of capture) {
          for (let i = 0; i < packets.length; i++) {
            // Stop between packets, not after the chunk: a paced chunk can span many minutes.
            if (o.signal?.aborted) break;
            const p = packets[i];
            if (o.rebaseTime) rebase(p);
            if (firstTs < 0) {
              firstTs = p.ts;
              wallStart = Date.now();
            }
            const due = wallStart + (p.ts - firstTs) / 1000 / o.speed;
            const wait = due - Date.now();
            if (wait > 1) {
              batcher.flushExpired();
              await publishReady();
              await sleep(Math.min(wait, 1000));
              // Long gaps are slept through in steps so expired batches still leave on time.
              while (due - Date.now() > 1 && !o.signal?.aborted) {
                batcher.flushExpired();
                await publishReady();
                await sleep(Math.min(due - Date.now(), o.config.sensor.batchMaxDelayMs));
              }
            }
            counters.packetsSeen++;
            counters.bytesSeen += p.length;
            batcher.add(p);
          }
          await afterChunk(capture);
          if (o.signal?.aborted) break;
        }
      } catch (err) {
        if (publisher.error !== null && err === publisher.error) throw err;
        failedFiles.push({ file, error: errorLine(err) });
        o.onFileError?.(file, err);
      } finally {
        await capture?.close();
        doneBytes += fileBytes;
      }
    }
  } while (o.loop === true && !o.signal?.aborted && failedFiles.length < o.files.length);

  batcher.flushAll();
  await publishReady();
  await publisher.drain();
  o.onProgress?.({ file: o.files[o.files.length - 1] ?? '', packets: counters.packetsSeen, bytesRead: totalBytes, totalBytes, elapsedMs: Date.now() - started });
  return { counters, failedFiles, elapsedMs: Date.now() - started };
}

/** The files' sizes summed, or 0 if one of them has none that tells how much is to come. */
function knownTotalSize(files: string[]): number {
  let total = 0;
  for (const f of files) {
    // Checked before stat: '-' is no path (its stat failed and was skipped as unreadable).
    if (f === STDIN_ARG) return 0;
    try {
      const stat = statSync(f);
      if (!stat.isFile()) return 0;
      total += stat.size;
    } catch {
      // A file that cannot be read fails with its own error when its turn comes.
    }
  }
  return total;
}
