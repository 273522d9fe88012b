/**
 * The key a packet is partitioned by: its source address (so every source-keyed window lives
 * in one partition), and one constant key for all ARP, so a segment's IP→MAC bindings and the
 * "one MAC claims many IPs" rule see every ARP packet in one place. The sensor publishes with
 * this key; `analyze` splits packets with it, so both give the same partitions.
 */
import type { Packet } from '../../common/model.ts';
import { partitionForKey } from '../../common/bus/partitioner.ts';

export function partitionKeyOf(p: Packet): string {
  if (p.arp) return 'arp';
  return p.src || p.srcMac || 'unknown';
}

export function partitionOf(p: Packet, partitions: number): number {
  return partitionForKey(partitionKeyOf(p), partitions);
}
