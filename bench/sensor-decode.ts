/**
 * Sensor decode benchmark (not a test): on a capture of >= 1M packets, measures on one core
 *  - tcpdump -r F -w /dev/null (libpcap's read rate, the reference, measured in this run),
 *  - read + decode into Packet records (openCaptureFile),
 *  - read + decode + Avro-encode into PacketBatch messages of sensor.batchMaxPackets,
 *  - read + decode from standard input (the capture piped in by `cat`) and from a gzip copy of
 *    it (gzip -1, made once beside it), against `tcpdump -r -` reading the same pipes,
 *  - read + filter + decode with a libpcap filter (--filter) that keeps every packet and one
 *    that keeps the SYNs to low ports, against `tcpdump -r F -w /dev/null EXPR`,
 * and prints packets/s and the ratios. Run: node --import tsx bench/sensor-decode.ts [minPackets]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { loadConfig } from '../services/common/config/load.ts';
import type { Packet } from '../services/common/model.ts';
import { createLogger } from '../services/common/observability/logger.ts';
import { createSerde } from '../services/common/serde/create-serde.ts';
import { CaptureFilter } from '../services/sensor/capture-filter.ts';
import { openCaptureFile } from '../services/sensor/capture-source.ts';
import { benchCapture } from './sensor-capture.ts';

const minPackets = Number(process.argv[2] ?? 1_000_000);
const { file, packets: total, bytes } = await benchCapture(minPackets);
console.log(`capture: ${file} (${total} packets, ${(bytes / 1e6).toFixed(1)} MB)`);

/**
 * Best wall time of `runs` runs, and the CPU time of this process in that run (user + system,
 * GC threads included): on a shared machine the wall time also counts waiting for a core.
 */
function best<T>(runs: number, fn: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; result: T }> {
  return (async () => {
    let bestSeconds = Infinity;
    let cpuSeconds = 0;
    let result!: T;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      result = await fn();
      const c = process.cpuUsage(c0);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (s < bestSeconds) {
        bestSeconds = s;
        cpuSeconds = (c.user + c.system) / 1e6;
      }
    }
    return { seconds: bestSeconds, cpuSeconds, result };
  })();
}

const tcpdump = await best(3, async () => {
  const r = spawnSync('tcpdump', ['-r', file, '-w', '/dev/null'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`tcpdump failed: ${r.status}`);
  return total;
});
const tcpdumpRate = total / tcpdump.seconds;

const decode = await best(3, async () => {
  let n = 0;
  let flagged = 0;
  for await (const packets of await openCaptureFile(file)) {
    n += packets.length;
    for (let i = 0; i < packets.length; i++) flagged += packets[i].decodeFlags === 0 ? 0 : 1;
  }
  return n;
});
const decodeRate = decode.result / decode.seconds;

const config = loadConfig({ env: {} });
const serde = createSerde(config, createLogger({ level: 'silent' }));
await serde.init();
const batchSize = config.sensor.batchMaxPackets;
const encode = await best(3, async () => {
  let n = 0;
  let encodedBytes = 0;
  let batch: Packet[] = [];
  let seq = 0;
  for await (const packets of await openCaptureFile(file)) {
    for (let i = 0; i < packets.length; i++) {
      batch.push(packets[i]);
      if (batch.length === batchSize) {
        encodedBytes += serde.encode('packetBatch', { sensorId: 'bench', sensorHost: 'bench', batchSeq: seq++, packets: batch }).length;
        n += batch.length;
        batch = [];
      }
    }
  }
  if (batch.length > 0) {
    encodedBytes += serde.encode('packetBatch', { sensorId: 'bench', sensorHost: 'bench', batchSeq: seq++, packets: batch }).length;
    n += batch.length;
  }
  return { n, encodedBytes };
});
const encodeRate = encode.result.n / encode.seconds;

/** Packets decoded from a file given as a path, or from `cat FILE` piped in as standard input ('-'). */
async function decodeAll(path: string, piped: boolean): Promise<number> {
  const cat = piped ? spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] }) : null;
  let n = 0;
  for await (const packets of await openCaptureFile(piped ? '-' : path, { stdin: cat?.stdout })) n += packets.length;
  return n;
}

const gzipFile = `${file}.gz`;
if (!existsSync(gzipFile) || statSync(gzipFile).mtimeMs < statSync(file).mtimeMs) {
  if (spawnSync('sh', ['-c', `gzip -1 -c '${file}' > '${gzipFile}.tmp' && mv '${gzipFile}.tmp' '${gzipFile}'`], { stdio: 'ignore' }).status !== 0) throw new Error(`cannot write ${gzipFile}`);
}
/** The same decode through a shell pipe into `tcpdump -r -`: libpcap reading the stream we read. */
const tcpdumpPipe = (producer: string) =>
  best(3, async () => {
    const r = spawnSync('sh', ['-c', `${producer} | tcpdump -r - -w /dev/null`], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${producer} | tcpdump failed: ${r.status}`);
    return total;
  });
const fromStdin = await best(3, () => decodeAll(file, true));
const tcpdumpStdin = await tcpdumpPipe(`cat '${file}'`);
const fromGzip = await best(3, () => decodeAll(gzipFile, false));
const fromGzipStdin = await best(3, () => decodeAll(gzipFile, true));
const tcpdumpGzip = await tcpdumpPipe(`gzip -dc '${gzipFile}'`);
if (fromStdin.result !== decode.result || fromGzip.result !== decode.result || fromGzipStdin.result !== decode.result) throw new Error('a stream gave other packets than the file');

/** The same decode with a capture filter (each frame's BPF program run before it is decoded), beside tcpdump with the expression. */
const FILTERS = ['not host 1.2.3.4', 'tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn and portrange 1-1023'];
const filtered = [];
for (const expression of FILTERS) {
  const ours = await best(3, async () => {
    let n = 0;
    for await (const packets of await openCaptureFile(file, { filter: CaptureFilter.compile(expression) })) n += packets.length;
    return n;
  });
  const theirs = await best(3, async () => {
    const r = spawnSync('tcpdump', ['-r', file, '-w', '/dev/null', expression], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`tcpdump ${expression} failed: ${r.status}`);
    return 0;
  });
  filtered.push({ expression, ours, theirs });
}

const fmt = (r: number) => `${(r / 1e6).toFixed(2)} M packets/s`;
console.log(`tcpdump -r -w /dev/null : ${fmt(tcpdumpRate)} (${tcpdump.seconds.toFixed(2)} s)`);
console.log(`decode only            : ${fmt(decodeRate)} (${decode.seconds.toFixed(2)} s, cpu ${decode.cpuSeconds.toFixed(2)} s) = ${(decodeRate / tcpdumpRate).toFixed(2)} x tcpdump (target >= 0.25)`);
console.log(`decode + Avro encode   : ${fmt(encodeRate)} (${encode.seconds.toFixed(2)} s, cpu ${encode.cpuSeconds.toFixed(2)} s) = ${(encodeRate / tcpdumpRate).toFixed(2)} x tcpdump; ${(encode.result.encodedBytes / encode.result.n).toFixed(1)} encoded bytes/packet (target >= 1.00 M packets/s)`);
const versus = (ours: { seconds: number }, ref: { seconds: number }) => `${(ref.seconds / ours.seconds).toFixed(2)} x`;
console.log(`decode from stdin      : ${fmt(total / fromStdin.seconds)} (${fromStdin.seconds.toFixed(2)} s, cpu ${fromStdin.cpuSeconds.toFixed(2)} s) = ${versus(fromStdin, tcpdumpStdin)} cat F | tcpdump -r - (${tcpdumpStdin.seconds.toFixed(2)} s), ${versus(fromStdin, decode)} decoding the file`);
console.log(`decode from gzip file  : ${fmt(total / fromGzip.seconds)} (${fromGzip.seconds.toFixed(2)} s, cpu ${fromGzip.cpuSeconds.toFixed(2)} s; ${(statSync(gzipFile).size / 1e6).toFixed(0)} MB gzip -1) = ${versus(fromGzip, tcpdumpGzip)} gzip -dc F.gz | tcpdump -r - (${tcpdumpGzip.seconds.toFixed(2)} s)`);
console.log(`decode gzip from stdin : ${fmt(total / fromGzipStdin.seconds)} (${fromGzipStdin.seconds.toFixed(2)} s, cpu ${fromGzipStdin.cpuSeconds.toFixed(2)} s) = ${versus(fromGzipStdin, tcpdumpGzip)} that pipeline`);
for (const { expression, ours, theirs } of filtered) {
  console.log(`decode with --filter   : ${fmt(total / ours.seconds)} read (${ours.seconds.toFixed(2)} s, cpu ${ours.cpuSeconds.toFixed(2)} s; ${ours.result} kept, ${versus(ours, decode)} decoding every packet) = ${versus(ours, theirs)} tcpdump -r F -w /dev/null (${theirs.seconds.toFixed(2)} s) for "${expression}"`);
}
console.log(`load average (1 min)   : ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores (other processes share them)`);
console.log(`rss after run          : ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
