/**
 * A spoofed SYN flood as it comes in the wild (not a test; prints figures): N sources, one SYN
 * each, at one victim over an hour of event time, through the detection engine with its state
 * in an in-process store (durable, as a worker writes it, or as `analyze` keeps it), with and
 * without keeping a new key's first packet instead of its detectors' state
 * (engine/first-packet.ts). Prints the time, CPU, the state JSON written and the heap.
 *
 *   node --expose-gc --import tsx bench/detector-spoofed-flood.ts [sources=300000]
 */
import { loadConfig } from '../services/common/config/load.ts';
import { TcpFlag, type Packet } from '../services/common/model.ts';
import { MemoryStore } from '../services/common/state/memory-store.ts';
import type { PartitionCommit } from '../services/common/state/port.ts';
import { DetectionEngine } from '../services/detector/engine/engine.ts';

const sources = Number(process.argv[2] ?? 300_000);
const config = loadConfig({ env: {} });
const T0 = 1_700_000_000_000;
const BATCH = 2000;
const address = (n: number): string => `${11 + ((n >> 24) & 63)}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

function synFrom(h: number): Packet {
  return {
    ts: (T0 + Math.floor((h * 3_600_000) / sources)) * 1000, length: 60, capLength: 60, ifIndex: 0, linkType: 1, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02',
    vlanIds: [], etherType: 0x0800, ipVersion: 4, src: address(h + 1), dst: '10.10.10.10', protocol: 6, ttl: 64, ipLength: 40, fragment: false, fragmentOffset: 0,
    srcPort: 1024 + (h % 60_000), dstPort: 25565, tcpFlags: TcpFlag.SYN, tcpSeq: h, tcpAck: 0, tcpWindow: 0, payloadLength: 0, icmpType: -1, icmpCode: -1,
    arp: null, dns: null, tlsSni: null, httpHost: null, communityId: null, decodeFlags: 0, smbRpc: null, victimCopy: false,
  };
}

for (const durable of [true, false]) {
  for (const keepFirstPackets of [true, false]) {
    const store = new MemoryStore({ maxKeys: 10_000_000 });
    let written = 0;
    const commit = store.commit.bind(store);
    store.commit = (c: PartitionCommit) => {
      for (const w of c.writes) written += w.value.length;
      return commit(c);
    };
    const engine = new DetectionEngine(config, store, 'bench', { durable, keepFirstPackets, cacheMaxKeys: config.detector.cacheMaxKeys, partitions: 1 });
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    for (let b = 0; b * BATCH < sources; b++) {
      const packets = Array.from({ length: Math.min(BATCH, sources - b * BATCH) }, (_, j) => synFrom(b * BATCH + j));
      await engine.process(0, [{ offset: String(b), batch: { sensorId: 'bench', sensorHost: 'bench', batchSeq: b, packets } }]);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    globalThis.gc?.();
    console.log(
      `${durable ? 'worker (durable)' : 'analyze        '}, keep first packets ${keepFirstPackets ? 'on ' : 'off'}: ${sources} one-SYN sources in ${seconds.toFixed(2)} s = ${(sources / seconds / 1000).toFixed(0)} k/s ` +
        `(${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s); state JSON written ${(written / 1e6).toFixed(1)} MB; heap after GC ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (store included)`,
    );
  }
}
