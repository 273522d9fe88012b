/**
 * A flood at one victim from sources spread over every partition is judged once, on all of it:
 * the sensor sends each SYN, echo request and completion also to the victim's partition
 * (Packet.victimCopy), through `analyze`'s partitioning, which is the sensor's.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/common/config/load.ts';
import { TcpFlag, type Alert, type Packet } from '../../../services/common/model.ts';
import { PacketAnalyzer } from '../../../services/detector/analyze-runner.ts';
import { PacketRouter } from '../../../services/sensor/packet-router.ts';
import { packet, syn } from './packets.ts';

const T0 = 1_700_000_000_000;
const PARTITIONS = 6;
const config = loadConfig({ env: {}, overrides: { 'detector.partitions': PARTITIONS } });

async function incidents(packets: Packet[], batchSize = 64): Promise<Alert[]> {
  const analyzer = new PacketAnalyzer(config, { batchSize });
  await analyzer.push(packets);
  await analyzer.finish();
  return analyzer.incidents;
}

/** `count` SYNs from as many sources, 10 ms apart, to 10.10.10.10:80. */
const spoofed = (count: number): Packet[] => Array.from({ length: count }, (_, i) => syn(`198.18.${i >> 8}.${i & 255}`, '10.10.10.10', 80, T0 + i * 10, 1024 + (i % 60000)));

describe('distributed floods over partitions', () => {
  it('finds a spoofed flood below the threshold in every partition, as one incident', async () => {
    const flood = spoofed(400);
    // No partition of the sources holds 200 of the 400 SYNs in 5 s: judged per partition it is missed.
    const router = new PacketRouter(PARTITIONS);
    const perPartition = new Array<number>(PARTITIONS).fill(0);
    for (const p of flood) perPartition[router.partitionOf(p)]++;
    expect(Math.max(...perPartition)).toBeLessThan(config.detector.synFlood.distributedThreshold);
    const found = await incidents(flood);
    expect(found.map((a) => [a.category, a.src, a.dst, a.dstPort])).toEqual([['syn_flood', 'multiple', '10.10.10.10', 80]]);
    expect(found[0].evidence.count).toBeGreaterThanOrEqual(200);
  });

  it('opens one incident for a flood far above the threshold in every partition, whatever the batches', async () => {
    const flood = spoofed(6000);
    const counts: number[] = [];
    for (const batchSize of [7, 500]) {
      const found = await incidents(flood, batchSize);
      expect(found.map((a) => [a.category, a.src, a.dst])).toEqual([['syn_flood', 'multiple', '10.10.10.10']]);
      counts.push(found[0].count);
    }
    expect(counts[0]).toBeGreaterThan(4000);
    expect(counts[1]).toBe(counts[0]);
  });

  it('finds a distributed echo flood, and no flood at a busy server whose clients complete their handshakes', async () => {
    const echoes = Array.from({ length: 300 }, (_, i) => packet({ src: `198.18.1.${i % 250}`, dst: '10.10.10.20', protocol: 1, icmpType: 8, ts: (T0 + i * 10) * 1000 }));
    expect((await incidents(echoes)).map((a) => [a.category, a.src, a.dst])).toEqual([['icmp_flood', 'multiple', '10.10.10.20']]);
    const busy = spoofed(400).flatMap((s) => [s, { ...s, tcpFlags: TcpFlag.ACK, ts: s.ts + 1000 }]);
    expect(await incidents(busy)).toEqual([]);
  });
});
