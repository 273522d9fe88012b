/**
 * What the worker's decode + detection engine allocate (not a test; prints figures): the
 * benchmark capture is encoded into 2,000-packet PacketBatch messages per partition beforehand
 * (as Kafka holds them), then decoded and folded in steps of detector.stepMaxPackets through a
 * durable DetectionEngine on an in-process store (a worker's path without Kafka and Redis),
 * under V8's sampling heap profiler with collected objects included. Prints the megabytes
 * allocated per million packets, by function, and a digest of the alerts (to check that a
 * change that allocates less still gives the same alerts).
 *
 *   node --import tsx bench/detector-allocation.ts [minPackets=1000000] [top=25] [--survivors]
 *
 * Allocation that dies young is cheap; what survives a scavenge (state, a step's packets) is
 * what the collector pays for (docs/performance.md, session 8). --survivors counts only that:
 * objects that lived through a scavenge (those a full collection took later included), by the
 * function that allocated them.
 */
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../services/common/config/load.ts';
import type { Alert } from '../services/common/model.ts';
import { SingleObjectSerde } from '../services/common/serde/single-object-serde.ts';
import { MemoryStore } from '../services/common/state/memory-store.ts';
import { type BatchMessage, DetectionEngine } from '../services/detector/engine/engine.ts';
import { captureMessages } from './capture-messages.ts';
import { benchCapture } from './sensor-capture.ts';

const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const minPackets = numbers[0] ?? 1_000_000;
const top = numbers[1] ?? 25;
const survivors = process.argv.includes('--survivors');
const config = loadConfig({ env: {} });
const serde = new SingleObjectSerde();
const { file } = await benchCapture(minPackets);

const partitions = config.detector.partitions;
const { messages } = await captureMessages(file, partitions, serde, config.sensor.batchMaxPackets);

const engine = new DetectionEngine(config, new MemoryStore(), 'bench', { durable: true });
const alerts: Alert[] = [];
const steps: BatchMessage[][] = Array.from({ length: partitions }, () => []);
const stepPackets = new Array<number>(partitions).fill(0);
let packets = 0;
const fold = async (partition: number): Promise<void> => {
  alerts.push(...(await engine.process(partition, steps[partition])).alerts);
  steps[partition] = [];
  stepPackets[partition] = 0;
};

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
// The partitions in turn, a message each, as a worker's fetches would bring them.
for (let i = 0, more = true; more; i++) {
  more = false;
  for (let partition = 0; partition < partitions; partition++) {
    const value = messages[partition][i];
    if (value === undefined) continue;
    more = true;
    const batch = await serde.decodeDetectorBatch(value);
    steps[partition].push({ offset: String(i), batch });
    stepPackets[partition] += batch.packets.length;
    packets += batch.packets.length;
    if (stepPackets[partition] >= config.detector.stepMaxPackets) await fold(partition);
  }
}
for (let partition = 0; partition < partitions; partition++) if (steps[partition].length > 0) await fold(partition);
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}
const byFunction = new Map<string, number>();
let total = 0;
const walk = (node: ProfileNode): void => {
  const where = node.callFrame.url.replace(/^.*\/(services|bench|node_modules)\//, '$1/');
  const name = `${node.callFrame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head as ProfileNode);
const perMillion = (bytes: number): string => `${((bytes / packets) * 1e6 / 1e6).toFixed(1)} MB`;
console.log(`decode + durable engine, ${packets} packets: ${perMillion(total)} ${survivors ? 'that lived through a scavenge' : 'allocated'} per million packets; alerts sha256 ${createHash('sha256').update(JSON.stringify(alerts)).digest('hex').slice(0, 12)}`);
for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${perMillion(bytes).padStart(9)}  ${name}`);
}
