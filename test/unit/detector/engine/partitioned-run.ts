/** Drives a DetectionEngine the way a worker sees a capture: partitioned as the sensor does (victim copies included), batches per partition. */
import type { Alert, Packet } from '../../../../services/common/model.ts';
import type { PackedPackets } from '../../../../services/common/packed-packet.ts';
import type { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { victimCopyOf } from '../../../../services/sensor/decode/packet-record.ts';
import { arrayBatches, packedBatches, PartitionBatches, type PartitionBatch } from '../../../../services/sensor/partition-batches.ts';

/**
 * The engine's alerts for these packets, in batches of `size` per partition (the rest flushed
 * at the end); afterBatch runs after each processed batch. `packed`: each batch's packets in
 * PackedPackets, as a worker's decoder gives them, instead of objects.
 */
export async function runPartitioned(engine: DetectionEngine, packets: Packet[], partitions: number, size: number, afterBatch: () => void = () => undefined, packed = false): Promise<Alert[]> {
  const offsets = new Array<number>(partitions).fill(0);
  const alerts: Alert[] = [];
  const flush = async ({ partition, packets: batch }: PartitionBatch<Packet[] | PackedPackets>): Promise<void> => {
    const r = await engine.process(partition, [{ offset: String(offsets[partition]++), batch: { sensorId: 's', sensorHost: 'h', batchSeq: offsets[partition], packets: batch } }]);
    alerts.push(...r.alerts);
    afterBatch();
  };
  const batches = packed
    ? new PartitionBatches(partitions, size, packedBatches(size))
    : new PartitionBatches(partitions, size, arrayBatches((p, victimCopy) => (victimCopy ? victimCopyOf(p) : p)));
  for (const p of packets) for (const batch of batches.add(p)) await flush(batch);
  for (const batch of batches.rest()) await flush(batch);
  return alerts;
}
