/**
 * PartitionBatches cuts packets into per-partition batches as the sensor's batcher does:
 * each packet in its source's partition, its victim copy in its destination's, batches handed
 * over in the order they fill, the partly filled ones at the end.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Packet } from '../../../services/common/model.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { PacketRouter } from '../../../services/sensor/packet-router.ts';
import { arrayBatches, PartitionBatches, type PartitionBatch } from '../../../services/sensor/partition-batches.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const capture = path.resolve(repoRoot, '../shared/pcaps/synflood/syn_flood_spoofed_random_sources_stopddos.pcap');

type Entry = { p: Packet; copy: boolean };

describe('PartitionBatches', () => {
  it('gives every packet and victim copy to the partitions the router names, in full batches in the order they fill', async () => {
    const partitions = 4;
    const size = 500;
    const batches = new PartitionBatches<Entry[]>(partitions, size, arrayBatches((p, copy) => ({ p, copy })));
    const router = new PacketRouter(partitions);
    const expected: Entry[][] = Array.from({ length: partitions }, () => []);
    const handed: Array<PartitionBatch<Entry[]>> = [];
    /** The partition whose batch must fill next, by the count of entries routed so far. */
    const fills: number[] = [];
    let copies = 0;
    for await (const chunk of await openCaptureFile(capture)) {
      for (const p of chunk) {
        const own = router.partitionOf(p);
        expected[own].push({ p, copy: false });
        if (expected[own].length % size === 0) fills.push(own);
        const victim = router.victimPartitionOf(p);
        if (victim >= 0) {
          copies++;
          expected[victim].push({ p, copy: true });
          if (expected[victim].length % size === 0) fills.push(victim);
        }
        for (const batch of batches.add(p)) handed.push({ partition: batch.partition, packets: [...batch.packets] });
      }
    }
    expect(copies).toBeGreaterThan(1000);
    expect(handed.map((b) => b.partition)).toEqual(fills);
    expect(handed.every((b) => b.packets.length === size)).toBe(true);
    const rest = batches.rest();
    expect(rest.every((b) => b.packets.length > 0 && b.packets.length < size)).toBe(true);
    for (let partition = 0; partition < partitions; partition++) {
      const got = [...handed, ...rest].filter((b) => b.partition === partition).flatMap((b) => b.packets);
      expect(got).toEqual(expected[partition]);
    }
    expect(batches.rest()).toEqual([]);
  });

  it('reuses a batch array handed back, emptied, for a next batch', () => {
    const batches = new PartitionBatches<number[]>(1, 2, arrayBatches((p) => p.ts));
    const p = (ts: number) => ({ ts, src: '10.0.0.1', dst: '', srcMac: '', arp: null }) as unknown as Packet;
    batches.add(p(1));
    const [first] = batches.add(p(2));
    expect(first.packets).toEqual([1, 2]);
    const array = first.packets;
    batches.reuse(array);
    expect(array).toEqual([]);
    // The batch after the one being filled when it came back gets it.
    batches.add(p(3));
    const [second] = batches.add(p(4));
    expect(second.packets).not.toBe(array);
    batches.add(p(5));
    const [third] = batches.add(p(6));
    expect(third.packets).toBe(array);
    expect(third.packets).toEqual([5, 6]);
  });
});
