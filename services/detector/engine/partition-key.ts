/**
 * The partition of a packet, exactly as the sensor publishes it (services/sensor/batcher.ts
 * packetKey: the source address; ARP: the sender IP), so `analyze` splits packets into the
 * same partitions as Kafka and gives the same alerts as the distributed pipeline.
 */
import type { Packet } from '../../common/model.ts';
import { partitionForKey } from '../../common/bus/partitioner.ts';
import { packetKey } from '../../sensor/batcher.ts';

export function partitionOf(p: Packet, partitions: number): number {
  return partitionForKey(packetKey(p), partitions);
}
