/**
 * One detector worker for bench/detector-pipeline.ts (not run by hand): the same objects as
 * `netsentinel detector` (Kafka bus, serde, Redis store, DetectorWorker), configured from the
 * environment. Prints "ready" once it consumes, and on SIGTERM one JSON line with its Redis
 * round trips, batches, peak RSS, CPU seconds, the time its thread waited (its event loop
 * idle), the time between its batches (Kafka) and its CPU split by thread (its JavaScript
 * thread against V8's garbage-collector and compiler threads and libuv's pool), from its first
 * batch to its last, then exits.
 * With BENCH_WORKER_THREAD=1 the worker runs as `netsentinel detector` runs it: in a thread
 * whose old generation is capped at detector.heapLimitMb (RSS and CPU are the process's).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import { createKafkaBus } from '../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../services/common/config/load.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { createRedisStore } from '../services/common/state/redis-store.ts';
import { DetectorWorker } from '../services/detector/worker.ts';
import { heapCappedThread } from './heap-capped-thread.ts';

if (isMainThread && process.env.BENCH_WORKER_THREAD === '1') {
  const thread = heapCappedThread(import.meta.url);
  thread.on('message', (line: string) => {
    process.stdout.write(`${line}\n`);
    if (line !== 'ready') process.exit(0);
  });
  process.once('SIGTERM', () => thread.postMessage('stop'));
  thread.once('exit', (code) => process.exit(code));
} else {
  await runWorker();
}

async function runWorker(): Promise<void> {
  const config = loadConfig({});
  const logger = createLogger({ level: 'fatal' });
  const serde = createSerde(config, logger);
  await serde.init();
  const bus = createKafkaBus(config, logger);
  const store = createRedisStore(config, 'bench-detector');
  let batches = 0;
  let firstBatchAt = 0;
  let lastBatchAt = 0;
  let cpuStart: NodeJS.CpuUsage | null = null;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  // From its first batch to its last (s): how long the worker's thread waited (its event loop
  // idle), and the time between batches (Kafka: offset commit, fetch, decompression).
  let waitedBetweenBatches = 0;
  let loopAtFirstBatch: EventLoopUtilization | undefined;
  let loopSinceFirstBatch: EventLoopUtilization | undefined;
  let threadsAtFirstBatch = new Map<string, number>();
  let threadsAtLastBatch = new Map<string, number>();
  const worker = new DetectorWorker({ config, bus, serde, store, logger, onFatal: () => process.exit(1) });
  const onBatch = worker.onBatch.bind(worker);
  let batchEnded = 0;
  worker.onBatch = async (batch) => {
    if (firstBatchAt === 0) {
      firstBatchAt = Date.now();
      cpuStart = process.cpuUsage();
      loopAtFirstBatch = performance.eventLoopUtilization();
      threadsAtFirstBatch = threadCpuSeconds();
    } else waitedBetweenBatches += performance.now() - batchEnded;
    await onBatch(batch);
    cpu = process.cpuUsage(cpuStart ?? undefined);
    loopSinceFirstBatch = performance.eventLoopUtilization(loopAtFirstBatch);
    threadsAtLastBatch = threadCpuSeconds();
    batches++;
    lastBatchAt = Date.now();
    batchEnded = performance.now();
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  await worker.start();
  const emit = (line: string): void => void (isMainThread ? process.stdout.write(`${line}\n`) : parentPort!.postMessage(line));
  emit('ready');
  const onStop = (): void => {
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const waitSeconds = { idle: (loopSinceFirstBatch?.idle ?? 0) / 1000, betweenBatches: waitedBetweenBatches / 1000 };
    const report = { threadSeconds: busiestAndRest(threadsAtFirstBatch, threadsAtLastBatch), roundTrips: store.roundTrips, batches, firstBatchAt, lastBatchAt, peakRss, rss: process.memoryUsage().rss, cpuSeconds: (cpu.user + cpu.system) / 1e6, waitSeconds };
    void worker
      .stop()
      .then(() => bus.close())
      .then(() => store.close())
      .finally(() => {
        emit(JSON.stringify(report));
        if (isMainThread) process.exit(0);
      });
  };
  if (isMainThread) process.once('SIGTERM', onStop);
  else parentPort!.once('message', onStop);
}

/** CPU seconds (user + system) of each thread of this process so far, by thread id (Linux /proc). */
function threadCpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: utime and
      // stime are the 12th and 13th of them, in USER_HZ (100 per second on every Linux ABI).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    // Not Linux, or a thread ended while it was read: the split is then left out.
  }
  return out;
}

/**
 * The CPU seconds between two samples of the busiest thread (the worker's JavaScript thread:
 * nothing else in the process runs the detectors) and of all the others together.
 */
function busiestAndRest(before: Map<string, number>, after: Map<string, number>): { busiest: number; others: number } {
  const deltas = [...after].map(([tid, s]) => s - (before.get(tid) ?? 0)).sort((a, b) => b - a);
  return { busiest: deltas[0] ?? 0, others: deltas.slice(1).reduce((a, b) => a + b, 0) };
}
