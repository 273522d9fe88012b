/** How the sensor cuts packets into per-partition batches (sensor/batcher.ts). */
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../services/common/bus/partitioner.ts';
import { decodePacketBatch } from '../../../services/common/serde/packet-batch-decoder.ts';
import { Batcher } from '../../../services/sensor/batcher.ts';
import { PacketRouter } from '../../../services/sensor/packet-router.ts';
import { data } from '../detector/packets.ts';

const PARTITIONS = 6;

function batcher() {
  let now = 1_000_000;
  const emitted: Array<{ partition: number; key: string; packets: number; body: Buffer }> = [];
  const b = new Batcher({
    partitions: PARTITIONS,
    maxPackets: 100,
    maxBytes: 1 << 20,
    maxDelayMs: 200,
    now: () => now,
    emit: (partition, key, body) => emitted.push({ partition, key, packets: body.count, body: body.frame(Buffer.alloc(0), 's', 'h', 0) }),
  });
  return { b, emitted, advance: (ms: number) => (now += ms) };
}

describe('Batcher', () => {
  it('sends an empty batch to each partition that got none for idleMs, keyed to land there', () => {
    const { b, emitted, advance } = batcher();
    const host = '10.0.0.5';
    const busy = partitionForKey(host, PARTITIONS);
    advance(9_000);
    b.emitIdle(10_000);
    expect(emitted).toEqual([]);
    // One partition's host talks (its batch goes out after maxDelayMs); the others stay quiet.
    b.add(data(host, '10.0.0.9', 443, 1));
    advance(1_000);
    b.flushExpired();
    expect(emitted.map((e) => [e.partition, e.packets])).toEqual([[busy, 1]]);
    b.emitIdle(10_000);
    const idle = emitted.slice(1);
    expect(idle.map((e) => e.partition).sort()).toEqual([0, 1, 2, 3, 4, 5].filter((p) => p !== busy));
    for (const e of idle) {
      expect(e.packets).toBe(0);
      // Kafka's partitioner puts the batch where it is meant to go.
      expect(partitionForKey(e.key, PARTITIONS)).toBe(e.partition);
      expect(decodePacketBatch(e.body, 0)?.packets).toEqual([]);
    }
    // Not again before another idleMs has passed; the busy partition's batches keep it from getting any.
    b.emitIdle(10_000);
    expect(emitted).toHaveLength(1 + idle.length);
    advance(5_000);
    b.add(data(host, '10.0.0.9', 443, 2));
    advance(200);
    b.flushExpired();
    advance(4_800);
    b.emitIdle(10_000);
    const later = emitted.slice(1 + idle.length);
    expect(later.map((e) => [e.partition, e.packets])).toEqual([[busy, 1], ...idle.map((e) => [e.partition, 0])]);
  });

  it('names a key for every partition, and refuses one that does not exist', () => {
    for (const partitions of [1, 6, 64]) {
      const router = new PacketRouter(partitions);
      for (let p = 0; p < partitions; p++) expect(partitionForKey(router.keyOfPartition(p), partitions)).toBe(p);
      expect(() => router.keyOfPartition(partitions)).toThrow(RangeError);
    }
  });

  it('sends no empty batch to a partition that holds packets not yet sent', () => {
    const { b, emitted, advance } = batcher();
    const host = '10.0.0.5';
    advance(20_000);
    b.add(data(host, '10.0.0.9', 443, 1));
    b.emitIdle(10_000);
    expect(emitted.map((e) => e.partition)).not.toContain(partitionForKey(host, PARTITIONS));
    expect(emitted).toHaveLength(PARTITIONS - 1);
    b.flushAll();
    expect(emitted.at(-1)?.packets).toBe(1);
  });
});
