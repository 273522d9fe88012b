/**
 * Worker memory with many tracked hosts (not a test; prints figures): synthetic packet batches
 * from `hosts` distinct sources (default 100,000; each probes a few ports and hosts, pings, and
 * asks DNS, so several detectors keep state for it) folded through the worker's engine with
 * state in the real Redis (NETSENTINEL_REDIS_URL), 6 partitions, 2,000-packet batches as the
 * sensor sends them. Prints the process RSS (peak and after the run), the state blobs in Redis
 * and its memory, and Redis round trips per 1,000 packets. Target: RSS < 512 MB.
 *
 *   node --expose-gc --import tsx bench/detector-hosts.ts [hosts=100000] [--thread]
 *
 * --thread runs it as `netsentinel detector` runs a worker: in a thread whose old generation is
 * capped at detector.heapLimitMb (RSS is the whole process's either way).
 */
import { randomUUID } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { loadConfig } from '../services/common/config/load.ts';
import { TcpFlag, type Packet } from '../services/common/model.ts';
import { createRedisStore } from '../services/common/state/redis-store.ts';
import { DetectionEngine } from '../services/detector/engine/engine.ts';
import { victimCopyOf } from '../services/sensor/decode/packet-record.ts';
import { arrayBatches, PartitionBatches, type PartitionBatch } from '../services/sensor/partition-batches.ts';
import { rerunInHeapCappedThread } from './heap-capped-thread.ts';

if (isMainThread && process.argv.includes('--thread')) await rerunInHeapCappedThread(import.meta.url);

if (!process.env.NETSENTINEL_REDIS_URL) {
  console.error('bench/detector-hosts: set NETSENTINEL_REDIS_URL (e.g. after npm run services:up)');
  process.exit(2);
}
const hosts = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
const prefix = `bench-hosts-${randomUUID().slice(0, 8)}:`;
const config = loadConfig({ overrides: { 'redis.keyPrefix': prefix } });
const store = createRedisStore(config, 'bench-hosts');
const engine = new DetectionEngine(config, store, 'bench');
const PARTITIONS = 6;

const base: Packet = {
  ts: 0, length: 60, capLength: 60, ifIndex: 0, linkType: 1, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', vlanIds: [], etherType: 0x0800,
  ipVersion: 4, src: '', dst: '', protocol: 6, ttl: 64, ipLength: 40, fragment: false, fragmentOffset: 0, srcPort: 40000, dstPort: 0, tcpFlags: TcpFlag.SYN, tcpSeq: 0,
  tcpAck: 0, tcpWindow: 0, payloadLength: 0, icmpType: 0, icmpCode: 0, arp: null, dns: null, tlsSni: null, httpHost: null, communityId: null, decodeFlags: 0, smbRpc: null, victimCopy: false,
};
const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const T0 = 1_700_000_000_000;

/** The packets of host h: 3 SYN probes to ports of one server, an echo request, a DNS query. */
function packetsOf(h: number, t: number): Packet[] {
  const src = ip(h + 1);
  return [
    { ...base, src, dst: '172.16.0.10', dstPort: 22, ts: t * 1000 },
    { ...base, src, dst: '172.16.0.10', dstPort: 80, ts: (t + 1) * 1000 },
    { ...base, src, dst: '172.16.0.11', dstPort: 443, ts: (t + 2) * 1000 },
    { ...base, src, dst: '8.8.8.8', protocol: 1, icmpType: 8, tcpFlags: 0, ts: (t + 3) * 1000 },
    { ...base, src, dst: '8.8.8.8', protocol: 17, dstPort: 53, tcpFlags: 0, ts: (t + 4) * 1000, dns: { id: h & 0xffff, response: false, opcode: 0, rcode: 0, qname: `host${h}.example.com`, qtype: 1, questionCount: 1, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 } },
  ];
}

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const sampler = setInterval(sample, 50);
const offsets = new Array<number>(PARTITIONS).fill(0);
let packets = 0;
const started = Date.now();
async function flush({ partition, packets }: PartitionBatch<Packet[]>): Promise<void> {
  const batch = { sensorId: 'bench', sensorHost: 'bench', batchSeq: offsets[partition], packets };
  await engine.process(partition, [{ offset: String(offsets[partition]++), batch }]);
}
const batches = new PartitionBatches<Packet[]>(PARTITIONS, 2000, arrayBatches((p, victimCopy) => (victimCopy ? victimCopyOf(p) : p)));
for (let h = 0; h < hosts; h++) {
  // Hosts spread over 100 s of event time: all of them stay inside the detectors' windows.
  for (const p of packetsOf(h, T0 + Math.floor((h / hosts) * 100_000))) {
    packets++;
    for (const batch of batches.add(p)) await flush(batch);
  }
}
for (const batch of batches.rest()) await flush(batch);
const seconds = (Date.now() - started) / 1000;
sample();
// Retained memory, without the garbage V8 had not collected yet (run with --expose-gc).
(globalThis as { gc?: () => void }).gc?.();
clearInterval(sampler);
const probe = new Redis(config.redis.url);
let keys = 0;
let cursor = '0';
do {
  const [next, batch] = await probe.scan(cursor, 'MATCH', `${prefix}d:s:*`, 'COUNT', 10_000);
  cursor = next;
  keys += batch.length;
} while (cursor !== '0');
const info = await probe.info('memory');
const redisMem = /used_memory_human:(\S+)/.exec(info)?.[1];
console.log(`${hosts} hosts, ${packets} packets in ${seconds.toFixed(1)} s (${Math.round(packets / seconds / 1000)} k packets/s through the engine with Redis state)`);
console.log(`worker RSS: peak ${(peak / 1e6).toFixed(0)} MB, after a full GC ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (target < 512 MB); ${keys} state blobs in Redis (Redis used_memory ${redisMem})`);
console.log(`Redis round trips: ${store.roundTrips} = ${((store.roundTrips / packets) * 1000).toFixed(2)} per 1,000 packets`);
// Leave nothing behind in the shared Redis.
cursor = '0';
do {
  const [next, batch] = await probe.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
  cursor = next;
  if (batch.length) await probe.unlink(...batch);
} while (cursor !== '0');
probe.disconnect();
await store.close();
