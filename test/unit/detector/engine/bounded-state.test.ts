/**
 * `analyze` keeps at most detector.analyzeCacheMaxKeys state blobs live; the least recently used
 * wait as JSON in its in-process store (bounded too: analyzeStoreMaxKeys) and are revived when
 * their key comes back. Memory then stays flat whatever the number of sources, and the alerts
 * are the ones of an engine that keeps everything live: field for field on real captures where
 * almost every key leaves memory and comes back, and on a spoofed flood from 6,000 sources.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Alert, Packet } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { analyzeStoreMaxKeys, PacketAnalyzer } from '../../../../services/detector/analyze-runner.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { syn } from '../packets.ts';
import { runPartitioned } from './partitioned-run.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');
const CAPTURES = [
  'portscan/nmap_tcp_syn_scan_evilfingers.pcap',
  'synflood/syn_flood_spoofed_random_sources_stopddos.pcap',
  'c2/https_beacon_2s_low_jitter_ctu.pcap',
  'c2/meterpreter_reverse_4444_forensicscontest.pcap',
  'dnstunnel/iodine_null_records_active.pcap',
  'lateral/psexec_add_user_smb2.pcap',
  'arpspoof/arp_spoof_gateway_mac_change.pcap',
  'bruteforce/ftp_bruteforce_fast_ppa.pcap',
  'portscan/nmap_tcp_connect_scan_evilfingers.pcap',
  'lateral/wmi_processcallcreate_dcerpc.pcapng',
];

const configWith = (analyzeCacheMaxKeys: number) => loadConfig({ env: {}, overrides: { 'detector.analyzeCacheMaxKeys': analyzeCacheMaxKeys } });

interface Run {
  alerts: Alert[];
  /** Most live blobs and stored keys seen after any push. */
  peakLive: number;
  peakStored: number;
}

async function run(analyzer: PacketAnalyzer, chunks: AsyncIterable<Packet[]> | Iterable<Packet[]>): Promise<Run> {
  let peakLive = 0;
  let peakStored = 0;
  for await (const chunk of chunks) {
    await analyzer.push(chunk);
    peakLive = Math.max(peakLive, analyzer.liveKeys);
    peakStored = Math.max(peakStored, analyzer.store.size);
  }
  await analyzer.finish();
  peakLive = Math.max(peakLive, analyzer.liveKeys);
  peakStored = Math.max(peakStored, analyzer.store.size);
  return { alerts: analyzer.alerts, peakLive, peakStored };
}

describe('analyze with bounded live state', () => {
  it('gives the alerts of an engine that keeps everything live when state leaves memory and comes back', async () => {
    let spilledRuns = 0;
    for (const file of CAPTURES) {
      const path = join(PCAPS, file);
      // Two live blobs in all (one per partition): nearly every key of these captures leaves
      // memory between the 50-packet batches and comes back. The store is unbounded here, so
      // this compares leaving and reviving alone (same batches: same alerts in the same order).
      const everything = await run(new PacketAnalyzer(configWith(10_000_000), { batchSize: 50 }), await openCaptureFile(path));
      const bounded = await run(new PacketAnalyzer(configWith(2), { batchSize: 50 }, new MemoryStore()), await openCaptureFile(path));
      expect(everything.alerts.length, file).toBeGreaterThan(0);
      expect(bounded.alerts, file).toEqual(everything.alerts);
      // The live bound holds once the partitions are known (each gets a share of at least one).
      expect(bounded.peakLive, file).toBeLessThanOrEqual(6);
      if (bounded.peakStored > 0) spilledRuns++;
      console.info(`${file}: ${bounded.peakStored} keys stored at most`);
    }
    expect(spilledRuns).toBeGreaterThanOrEqual(6);
  });

  it('stays within its bounds on a spoofed flood from many more sources than it keeps', async () => {
    // 6,000 spoofed sources, three SYNs each within 3 ms, at one victim over ten seconds.
    const chunks: Packet[][] = [];
    const t0 = 1_700_000_000_000;
    for (let s = 0; s < 6000; s++) {
      const src = `198.18.${s >> 8}.${s & 255}`;
      const t = t0 + Math.floor((s / 6000) * 10_000);
      const syns = [0, 1, 3].map((d) => syn(src, '10.10.10.10', 80, t + d, 1024 + s));
      if (s % 100 === 0) chunks.push([]);
      chunks[chunks.length - 1].push(...syns);
    }
    const everything = await run(new PacketAnalyzer(configWith(10_000_000)), chunks);
    expect(analyzeStoreMaxKeys(60)).toBe(100_000);
    // A store smaller than the default floor, so that its bound is reached too: the state it
    // drops is that of sources silent the longest, which never come back here. (It must hold
    // what all partitions write between two batches of one: six batches of ~670 keys here.)
    const bounded = await run(new PacketAnalyzer(configWith(60), {}, new MemoryStore({ maxKeys: 5000 })), chunks);
    expect(everything.peakLive).toBeGreaterThan(6000);
    expect(bounded.peakLive).toBeLessThanOrEqual(60);
    expect(bounded.peakStored).toBe(5000);
    expect(bounded.alerts.length).toBeGreaterThan(0);
    expect(bounded.alerts).toEqual(everything.alerts);
  });
});

describe('a worker\'s live state bounded by size (detector.cacheMaxBytes)', () => {
  /** A durable engine (as a worker runs it) over the packets in 100-packet batches per partition; the most live JSON bytes seen after any batch. */
  async function durableRun(packets: Packet[], cacheMaxBytes: number): Promise<{ alerts: Alert[]; peakBytes: number; peakKeys: number }> {
    const partitions = 3;
    // partitions given: each keeps its share from the first batch on (a worker learns its partitions as they come).
    const engine = new DetectionEngine(configWith(10_000_000), new MemoryStore(), 't', { cacheMaxKeys: 10_000_000, cacheMaxBytes, partitions });
    let peakBytes = 0;
    let peakKeys = 0;
    const alerts = await runPartitioned(engine, packets, partitions, 100, () => {
      peakBytes = Math.max(peakBytes, engine.liveBytes);
      peakKeys = Math.max(peakKeys, engine.liveKeys);
    });
    return { alerts, peakBytes, peakKeys };
  }

  it('keeps the JSON size of its live blobs within the bound and gives the alerts of an unbounded one', async () => {
    // 3,000 spoofed sources, two SYNs each far apart (the second after the first has left memory), and a port scan.
    const t0 = 1_700_000_000_000;
    const packets: Packet[] = [];
    for (const round of [0, 1]) for (let s = 0; s < 3000; s++) packets.push(syn(`198.18.${s >> 8}.${s & 255}`, '10.10.10.10', 80 + round, t0 + round * 5000 + s, 1024 + s));
    for await (const chunk of await openCaptureFile(join(PCAPS, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap'))) packets.push(...chunk);
    const unbounded = await durableRun(packets, 1e12);
    const bounded = await durableRun(packets, 20_000);
    expect(unbounded.peakKeys).toBeGreaterThan(3000);
    expect(bounded.peakBytes).toBeGreaterThan(0);
    expect(bounded.peakBytes).toBeLessThanOrEqual(20_000);
    expect(bounded.peakKeys).toBeLessThan(unbounded.peakKeys / 10);
    expect(bounded.alerts.length).toBeGreaterThan(0);
    expect(bounded.alerts).toEqual(unbounded.alerts);
  });
});

describe('which blobs leave memory', () => {
  it('keeps a key used in every step live while keys used once come and go', async () => {
    const hot = 'src:10.0.0.1';
    const reads = new Map<string, number>();
    class CountingStore extends MemoryStore {
      override async load(ref: Parameters<MemoryStore['load']>[0], keys: string[]) {
        for (const k of keys) reads.set(k, (reads.get(k) ?? 0) + 1);
        return super.load(ref, keys);
      }
    }
    const engine = new DetectionEngine(configWith(10_000_000), new CountingStore(), 't', { cacheMaxKeys: 16, partitions: 1 });
    const t0 = 1_700_000_000_000;
    for (let step = 0; step < 50; step++) {
      // The hot source's SYN, then ten sources never seen again: each step is over the bound.
      const packets = [syn('10.0.0.1', '10.0.0.2', 22, t0 + step * 100)];
      for (let i = 0; i < 10; i++) packets.push(syn(`198.18.${step}.${i}`, '10.0.0.2', 80, t0 + step * 100 + i + 1));
      await engine.process(0, [{ offset: String(step), batch: { sensorId: 's', sensorHost: 'h', batchSeq: step, packets } }]);
      expect(engine.liveKeys).toBeLessThanOrEqual(16);
    }
    // Read once, when it was new; never sent away and read back.
    expect(reads.get(`s:t:0:${hot}`)).toBe(1);
    // The others did leave: fifty steps of ten new keys went through sixteen places.
    expect(reads.size).toBeGreaterThan(400);
  });
});
