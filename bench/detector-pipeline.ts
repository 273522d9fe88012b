/**
 * Detector throughput (not a test; prints figures). On the benchmark capture (the shared
 * captures repeated, bench/sensor-capture.ts):
 *   1. `netsentinel analyze` (its own process, as users run it; in-memory state): packets/s;
 *   2. Suricata 7 on the same file, with and without EVE output, if `suricata` is installed: as the
 *      issue runs it (no rules: Debian's configuration names none until suricata-update has run),
 *      and with the rules its package ships (SURICATA_RULES_DIR, default /etc/suricata/rules);
 *   3. end to end with one worker: a `detector` worker process (bench/detector-worker-child.ts)
 *      is started, then the capture is replayed at full speed into Kafka; time from the first
 *      packet produced to the worker group's last committed batch (Kafka's committed offsets);
 *   4. the same worker alone on the filled topic (a new consumer group): packets/s of the
 *      worker itself, its Redis round trips per 1,000 packets and its peak RSS.
 * Needs NETSENTINEL_KAFKA_BROKERS, NETSENTINEL_REDIS_URL (and NETSENTINEL_REGISTRY_URL): e.g.
 * after `npm run services:up`.
 *
 *   node --import tsx bench/detector-pipeline.ts [minPackets=1000000] [--skip-e2e] [--workers-only] [--thread] [--cold]
 * --workers-only skips 1. and 2.; --cold skips the unmeasured end-to-end run into topics of its
 * own that otherwise comes before 3. (it warms the broker's JVM: see there); --thread runs each worker as `netsentinel detector` does (in a
 * thread whose old generation is capped at detector.heapLimitMb) instead of on the main thread; BENCH_WORKER_NODE_ARGS adds node flags to the worker
 * processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { Kafka } from 'kafkajs';
import { createKafkaBus, kafkaClientConfig } from '../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../services/common/config/load.ts';
import { configSchema, type Config } from '../services/common/config/schema.ts';
import { listLeaves } from '../services/common/config/schema-walk.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { topicNames } from '../services/common/topics.ts';
import { replayCaptures } from '../services/sensor/replay.ts';
import { loadSensorIdentity } from '../services/sensor/sensor-identity.ts';
import { benchCapture, repoRoot } from './sensor-capture.ts';

const args = process.argv.slice(2);
const minPackets = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const skipE2e = args.includes('--skip-e2e');
const workersOnly = args.includes('--workers-only');
const inThread = args.includes('--thread');
const cold = args.includes('--cold');
const workerNodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const logger = createLogger({ level: 'fatal' });
const k = (n: number) => `${(n / 1000).toFixed(0)} k`;

const { file, packets } = await benchCapture(minPackets);
console.log(`capture: ${file}, ${packets} packets`);

interface AnalyzeRun {
  packets: number;
  seconds: number;
  wall: number;
  cpu: number;
  incidents: string;
  revisions: string;
}

/**
 * `netsentinel analyze` on the capture three times, each in a process of its own as users run it,
 * with the V8 flags its launcher gives `analyze` (bin/v8-flags.js) and `env` added to the
 * environment; the fastest run. Its rate is from the time it reports (first read to last
 * alert, without node's start); its CPU is what bash's `times` gives for it; its wall time
 * (start to exit) is timed here. Best of three, as Suricata's figures are best of two: one run
 * on this shared machine varies by up to a third.
 */
function analyzeCli(env: Record<string, string>): AnalyzeRun & { all: AnalyzeRun[] } {
  const all: AnalyzeRun[] = [];
  for (let r = 0; r < 3; r++) {
    const started = process.hrtime.bigint();
    const run = spawnSync('bash', ['-c', 'node bin/netsentinel.js analyze "$1" --format table > /dev/null; status=$?; times >&2; exit $status', 'analyze', file], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = /(\d+) packets in ([\d.]+) s .*?, (\d+) incidents, (\d+) alert revisions/.exec(run.stderr);
    if (run.status !== 0 || !summary) throw new Error(`netsentinel analyze failed (exit ${run.status}): ${run.stderr.slice(-500)}`);
    // `times` prints the shell's then its children's user and system time (e.g. 0m3.912s 0m0.402s).
    const childTimes = run.stderr.trim().split('\n').pop()!.match(/(\d+)m([\d.]+)s/g)!.map((t) => { const [, m, sec] = /(\d+)m([\d.]+)s/.exec(t)!; return Number(m) * 60 + Number(sec); });
    all.push({ packets: Number(summary[1]), seconds: Number(summary[2]), wall, cpu: childTimes[0] + childTimes[1], incidents: summary[3], revisions: summary[4] });
  }
  return { ...all.reduce((a, b) => (b.seconds < a.seconds ? b : a)), all };
}

/** NETSENTINEL_DETECTOR_<NAME>_ENABLED=false for every detector the configuration has. */
function everyDetectorOff(): Record<string, string> {
  const off: Record<string, string> = {};
  for (const leaf of listLeaves(configSchema)) if (leaf.path.startsWith('detector.') && leaf.path.endsWith('.enabled')) off[leaf.env] = 'false';
  return off;
}

// 1. analyze
let analyzeRate = 0;
/** Wall time of that best analyze run, from its process's start to its exit. */
let analyzeWall = 0;
const suricataRates: { eve: number | null; noEve: number | null; rulesEve: number | null } = { eve: null, noEve: null, rulesEve: null };
if (!workersOnly) {
  const bestRun = analyzeCli({});
  analyzeRate = bestRun.packets / bestRun.seconds;
  analyzeWall = bestRun.wall;
  console.log(
    `analyze (netsentinel analyze, its own process; best of ${bestRun.all.length}: ${bestRun.all.map((r) => k(r.packets / r.seconds)).join(', ')}): ${bestRun.packets} packets in ${bestRun.seconds.toFixed(2)} s = ${k(analyzeRate)} packets/s, ` +
      `${bestRun.incidents} incidents, ${bestRun.revisions} alert revisions; ${k(bestRun.packets / bestRun.cpu)} packets per CPU-second (${bestRun.cpu.toFixed(2)} CPU-s incl. node's start); ${bestRun.wall.toFixed(2)} s from start to exit`,
  );

  // 2. Suricata
  // Run as the issue states it (`suricata -r F -k none --runmode single`), with and without EVE.
  // Debian's default configuration names no rule file that exists until suricata-update has
  // downloaded one (no internet here), so that Suricata decodes, tracks flows and parses
  // protocols but detects nothing. As a second reference it also runs the rules its package
  // ships (SURICATA_RULES_DIR, /etc/suricata/rules: decoder, stream and protocol anomaly events)
  // with every output off: Suricata detecting, which is closer to what `analyze` does.
  const rulesDir = process.env.SURICATA_RULES_DIR ?? '/etc/suricata/rules';
  function suricata(eve: boolean, rules: string | null = null): number | null {
    const out = mkdtempSync(path.join(tmpdir(), 'ns-bench-suricata-'));
    try {
      const ruleArgs = rules === null ? [] : ['-S', rules, '--set', 'outputs.0.fast.enabled=no'];
      const started = process.hrtime.bigint();
      const run = spawnSync('suricata', ['-r', file, '-k', 'none', '--runmode', 'single', '-l', out, ...ruleArgs, ...(eve ? [] : ['--set', 'outputs.1.eve-log.enabled=no'])], { stdio: 'ignore' });
      if (run.error || run.status !== 0) return null;
      return Number(process.hrtime.bigint() - started) / 1e9;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  /** The package's rule files in one file (suricata -S takes one), and how many rules they hold; null if there are none. */
  function bundledRules(): { file: string; rules: number; dir: string } | null {
    let names: string[];
    try {
      names = readdirSync(rulesDir).filter((n) => n.endsWith('.rules')).sort();
    } catch {
      return null;
    }
    const text = names.map((n) => readFileSync(path.join(rulesDir, n), 'utf8')).join('\n');
    const rules = text.split('\n').filter((line) => /^(alert|drop|pass|reject)\s/.test(line)).length;
    if (rules === 0) return null;
    const dir = mkdtempSync(path.join(tmpdir(), 'ns-bench-suricata-rules-'));
    const combined = path.join(dir, 'bundled.rules');
    writeFileSync(combined, text);
    return { file: combined, rules, dir };
  }
  const best = (f: () => number | null) => {
    const runs = [f(), f()].filter((x): x is number => x !== null);
    return runs.length ? Math.min(...runs) : null;
  };
  const withEve = best(() => suricata(true));
  const withoutEve = best(() => suricata(false));
  suricataRates.eve = withEve ? packets / withEve : null;
  suricataRates.noEve = withoutEve ? packets / withoutEve : null;
  if (suricataRates.eve && suricataRates.noEve) {
    console.log(`suricata 7 (no rules loaded, --runmode single, wall time incl. start): with EVE ${k(suricataRates.eve)} packets/s, without EVE ${k(suricataRates.noEve)} packets/s`);
    console.log(`analyze / suricata without EVE = ${(analyzeRate / suricataRates.noEve).toFixed(2)} (target >= 1.0); issue's reference 460 k/s: ${(analyzeRate / 460_000).toFixed(2)}`);
    // The ratio above sets analyze's time without node's start against Suricata's with its own;
    // on one basis, both from start to exit:
    console.log(`  from start to exit, both: analyze ${analyzeWall.toFixed(2)} s, suricata without EVE ${withoutEve!.toFixed(2)} s = ${(withoutEve! / analyzeWall).toFixed(2)}`);
    // What no set of detectors can pass: analyze with every detector off still reads, decodes
    // and partitions every packet and runs the engine's batches. The time Suricata takes beyond
    // that is all the detectors could take together for analyze to match it.
    const floor = analyzeCli(everyDetectorOff());
    const detectorsNs = ((bestRun.seconds - floor.seconds) / packets) * 1e9;
    const budgetNs = ((withoutEve! - floor.seconds) / packets) * 1e9;
    console.log(
      `analyze with every detector off (reading, decoding, partitioning, the engine's batches; best of ${floor.all.length}: ${floor.all.map((r) => k(r.packets / r.seconds)).join(', ')}): ${floor.seconds.toFixed(2)} s = ${k(floor.packets / floor.seconds)} packets/s = ${(floor.packets / floor.seconds / suricataRates.noEve).toFixed(2)} x suricata without EVE, the ratio no set of detectors can pass`,
    );
    console.log(`  the detectors together: ${detectorsNs.toFixed(0)} ns a packet now; ${budgetNs.toFixed(0)} ns a packet for analyze to match suricata without EVE (${(detectorsNs / Math.max(1, budgetNs)).toFixed(1)} x over)`);
    const bundled = bundledRules();
    if (bundled) {
      try {
        const detecting = best(() => suricata(false, bundled.file));
        const detectingEve = best(() => suricata(true, bundled.file));
        if (detecting && detectingEve) {
          suricataRates.rulesEve = packets / detectingEve;
          console.log(`suricata 7 with the ${bundled.rules} rules its package ships (${rulesDir}; those of protocols whose parser is off by default fail to load; fast.log off): with EVE ${k(suricataRates.rulesEve)} packets/s, without EVE ${k(packets / detecting)} packets/s`);
          console.log(`  analyze / that without EVE = ${((analyzeRate * detecting) / packets).toFixed(2)} (a second reference, not the target's)`);
        } else console.log(`suricata with the rules of ${rulesDir}: failed`);
      } finally {
        rmSync(bundled.dir, { recursive: true, force: true });
      }
    } else console.log(`suricata's own rules: none in ${rulesDir} (SURICATA_RULES_DIR)`);
  } else console.log('suricata: not installed or failed (apt-get install -t bookworm-backports suricata)');
}

if (skipE2e) process.exit(0);
if (!process.env.NETSENTINEL_KAFKA_BROKERS || !process.env.NETSENTINEL_REDIS_URL) {
  console.error('bench/detector-pipeline: set NETSENTINEL_KAFKA_BROKERS, NETSENTINEL_REDIS_URL (and NETSENTINEL_REGISTRY_URL), e.g. after npm run services:up');
  process.exit(2);
}

const id = randomUUID().slice(0, 8);
const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-bench-det-'));
/** The topics of the measured runs; the warm-up has topics of its own. */
const measuredTopics = `bench-det-${id}.`;
const env = (group: string, topicsPrefix = measuredTopics): Record<string, string> => ({
  NETSENTINEL_TOPICS_PREFIX: topicsPrefix,
  NETSENTINEL_DETECTOR_GROUP_ID: group,
  NETSENTINEL_REDIS_KEY_PREFIX: `bench-det-${group}:`,
  NETSENTINEL_METRICS_ENABLED: 'false',
  NETSENTINEL_SENSOR_STATE_DIR: stateDir,
  BENCH_WORKER_THREAD: inThread ? '1' : '0',
});
const configFor = (group: string, topicsPrefix = measuredTopics): Readonly<Config> => loadConfig({ env: { ...process.env, ...env(group, topicsPrefix) } });

interface ChildReport {
  roundTrips: number;
  batches: number;
  firstBatchAt: number;
  lastBatchAt: number;
  peakRss: number;
  cpuSeconds: number;
  waitSeconds: { idle: number; betweenBatches: number };
  threadSeconds: { busiest: number; others: number };
}

/**
 * The worker's CPU by thread: its JavaScript thread, and everything else (V8's parallel and
 * concurrent garbage collection and compilation, libuv's pool for gzip): the part of the
 * worker's CPU that the per-packet objects cost beside the thread that allocates them.
 */
const threadsLine = (r: ChildReport): string => {
  const t = r.threadSeconds;
  const total = t.busiest + t.others;
  if (total === 0) return '  worker CPU by thread: not available (no /proc/self/task on this system)';
  return `  worker CPU by thread: JavaScript thread ${t.busiest.toFixed(2)} s, other threads (V8's GC and compiler, libuv's pool) ${t.others.toFixed(2)} s (${((t.others / total) * 100).toFixed(0)} %)`;
};

/**
 * The time the worker's thread spent waiting, of its first-to-last-batch time, and the time
 * between its batches (kafkajs's part: waiting, and some CPU of its own).
 */
const waitsLine = (r: ChildReport): string => {
  const span = (r.lastBatchAt - r.firstBatchAt) / 1000;
  const w = r.waitSeconds;
  const pct = (x: number) => `${x.toFixed(2)} s (${((x / span) * 100).toFixed(0)} %)`;
  return `  worker thread idle, of its ${span.toFixed(2)} s first to last batch: ${pct(w.idle)}; time between its batches (Kafka offset commit, fetch, decompression; idle or kafkajs's own CPU) ${pct(w.betweenBatches)}`;
};

async function startChild(group: string, topicsPrefix = measuredTopics): Promise<{ child: ChildProcess; report: () => Promise<ChildReport> }> {
  const child = spawn(process.execPath, [...workerNodeArgs, '--import', 'tsx', path.join(repoRoot, 'bench/detector-worker-child.ts')], { env: { ...process.env, ...env(group, topicsPrefix) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => {
    // Anything else a worker prints (e.g. --trace-gc through BENCH_WORKER_NODE_ARGS) is passed on.
    if (line !== 'ready' && !line.startsWith('{')) return void process.stderr.write(`${line}\n`);
    if (waiters.length) waiters.shift()!(line);
    else queue.push(line);
  });
  const next = () => new Promise<string>((resolve) => (queue.length ? resolve(queue.shift()!) : waiters.push(resolve)));
  const first = await next();
  if (first !== 'ready') throw new Error(`worker child: ${first}`);
  return {
    child,
    report: async () => {
      child.kill('SIGTERM');
      return JSON.parse(await next()) as ChildReport;
    },
  };
}

/**
 * CPU-seconds the whole machine spent (every process and the kernel; /proc/stat), and how much
 * the hypervisor took from it (steal): end to end, the replay, the worker, Kafka and Redis share
 * the cores, so their CPU summed bounds the rate.
 */
function machineCpu(): { busy: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const hz = 100; // USER_HZ, 100 on every Linux ABI Node runs on
  return { busy: (user + nice + system + irq + softirq) / hz, steal: steal / hz };
}

async function waitCaughtUp(config: Readonly<Config>, timeoutMs: number): Promise<number> {
  const admin = new Kafka(kafkaClientConfig(config, logger)).admin();
  await admin.connect();
  const topic = topicNames(config).packets;
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: config.detector.groupId, topics: [topic] });
      if (ends.every((e) => Number(e.high) === 0 || Number(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1) >= Number(e.high))) return Date.now();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`worker group ${config.detector.groupId} did not catch up in ${timeoutMs} ms`);
  } finally {
    await admin.disconnect();
  }
}

/** Worker processes started, each stopped at the end whatever happens. */
const children: ChildProcess[] = [];

/**
 * The capture replayed at full speed into the topics of `topicsPrefix` while a worker of `group`
 * consumes them: from the first packet produced to the group's last committed batch.
 */
async function replayWithWorker(group: string, topicsPrefix: string): Promise<{ published: number; replaySeconds: number; e2eSeconds: number; report: ChildReport; machineBusy: number; steal: number; replayCpu: number }> {
  const config = configFor(group, topicsPrefix);
  const serde = createSerde(config, logger);
  await serde.init();
  const bus = createKafkaBus(config, logger);
  try {
    await bus.ensureTopics((await import('../services/common/topics.ts')).topicSpecs(config));
    const worker = await startChild(group, topicsPrefix);
    children.push(worker.child);
    const t0 = Date.now();
    const machine0 = machineCpu();
    const ownCpu0 = process.cpuUsage();
    const replayed = await replayCaptures({ files: [file], speed: Infinity, config, bus, serde, logger, identity: loadSensorIdentity(config.sensor) });
    const replaySeconds = (Date.now() - t0) / 1000;
    const t1 = await waitCaughtUp(config, 600_000);
    const machine1 = machineCpu();
    const ownCpu = process.cpuUsage(ownCpu0);
    const report = await worker.report();
    return {
      published: replayed.counters.packetsPublished,
      replaySeconds,
      e2eSeconds: (t1 - t0) / 1000,
      report,
      machineBusy: machine1.busy - machine0.busy,
      steal: machine1.steal - machine0.steal,
      replayCpu: (ownCpu.user + ownCpu.system) / 1e6,
    };
  } finally {
    await bus.close();
  }
}

console.log(`workers run ${inThread ? 'in a heap-capped thread, as netsentinel detector runs them' : 'on the main thread (--thread: as netsentinel detector runs them)'}`);
try {
  // 3. end to end: worker first, then the replay. A broker started minutes ago (npm run
  // services:up) runs its produce and fetch paths in a JVM that has not compiled them yet: the
  // first run after a start measured 167 k where the next ones measured 183 and 187 k (session
  // 18). Unless --cold, the same run goes once into topics of its own first, unmeasured, so that
  // the figure is that of a broker that has been running, as a deployed one has.
  if (!cold) {
    const warm = await replayWithWorker(`bench-det-warm-${id}`, `bench-det-${id}-warm.`);
    console.log(`warm-up (not measured; --cold skips it): end to end ${k(warm.published / warm.e2eSeconds)} packets/s, the replay alone ${k(warm.published / warm.replaySeconds)} packets/s`);
  }
  const e2eGroup = `bench-det-e2e-${id}`;
  const { published, replaySeconds, e2eSeconds, report: e2eReport, machineBusy, steal, replayCpu } = await replayWithWorker(e2eGroup, measuredTopics);
  console.log(`replay alone into Kafka: ${k(published / replaySeconds)} packets/s`);
  console.log(`end to end, 1 worker (replay -> Kafka -> worker -> Redis -> alerts, first packet produced to last batch committed): ${published} packets in ${e2eSeconds.toFixed(2)} s = ${k(published / e2eSeconds)} packets/s`);
  if (suricataRates.eve) console.log(`  / suricata with EVE = ${(published / e2eSeconds / suricataRates.eve).toFixed(2)}; issue's reference 143 k/s: ${(published / e2eSeconds / 143_000).toFixed(2)} (target >= 1.0, i.e. >= 150 k/s)`);
  if (suricataRates.rulesEve) console.log(`  / suricata with its package's rules and EVE = ${(published / e2eSeconds / suricataRates.rulesEve).toFixed(2)} (a second reference)`);
  console.log(`  Redis round trips: ${e2eReport.roundTrips} = ${((e2eReport.roundTrips / published) * 1000).toFixed(2)} per 1,000 packets (target <= 20); worker peak RSS ${(e2eReport.peakRss / 1e6).toFixed(0)} MB; worker CPU ${e2eReport.cpuSeconds.toFixed(2)} s`);
  console.log(waitsLine(e2eReport));
  console.log(threadsLine(e2eReport));
  console.log(`  machine load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores shared with Kafka, the registry and Redis)`);
  const cores = availableParallelism();
  console.log(
    `  CPU-seconds in that time: machine ${machineBusy.toFixed(2)} of ${(cores * e2eSeconds).toFixed(2)} (${cores} cores x wall; hypervisor steal ${steal.toFixed(2)}) = ` +
      `worker ${e2eReport.cpuSeconds.toFixed(2)} + replay (this process) ${replayCpu.toFixed(2)} + Kafka, registry, Redis, kernel ${(machineBusy - e2eReport.cpuSeconds - replayCpu).toFixed(2)}; ` +
      `the packets over that CPU shared by ${cores} cores: at most ${k(published / (machineBusy / cores))} packets/s end to end on this machine`,
  );

  // 4. the worker alone on the filled topic
  const soloGroup = `bench-det-solo-${id}`;
  const solo = await startChild(soloGroup);
  children.push(solo.child);
  const s0 = Date.now();
  const s1 = await waitCaughtUp(configFor(soloGroup), 600_000);
  const soloReport = await solo.report();
  const workerSeconds = (soloReport.lastBatchAt - soloReport.firstBatchAt) / 1000;
  console.log(`worker alone on a filled topic: ${published} packets, first to last batch ${workerSeconds.toFixed(2)} s = ${k(published / workerSeconds)} packets/s (${((s1 - s0) / 1000).toFixed(2)} s incl. group join); ${soloReport.batches} partition batches`);
  console.log(`  Redis round trips: ${soloReport.roundTrips} = ${((soloReport.roundTrips / published) * 1000).toFixed(2)} per 1,000 packets; peak RSS ${(soloReport.peakRss / 1e6).toFixed(0)} MB`);
  console.log(`  worker CPU (user+system, incl. GC threads): ${soloReport.cpuSeconds.toFixed(2)} s = ${k(published / soloReport.cpuSeconds)} packets per CPU-second (less sensitive to other load on the machine than wall time)`);
  console.log(waitsLine(soloReport));
  console.log(threadsLine(soloReport));
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
  // The workers' state would otherwise stay in the shared Redis for a day.
  const redis = new Redis(process.env.NETSENTINEL_REDIS_URL!);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `bench-det-bench-det-*-${id}:*`, 'COUNT', 20_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
