/**
 * Which Kafka partitions a packet goes to, for the sensor's batcher and for everything that must
 * split packets exactly as the sensor does (`analyze`, the tests and benches that play a worker):
 * its source's partition (the key: the source address; otherwise the source MAC), so that one
 * host's packets stay in order in one partition, and for a victim copy (victim-copies.ts) its
 * destination's partition as well. Every ARP packet has one key, ARP_KEY: the ARP detector
 * compares the bindings of IPs with the addresses each MAC claims, so it must see them all.
 */
import { partitionForKey } from '../common/bus/partitioner.ts';
import type { Packet } from '../common/model.ts';
import { RecentTwo } from '../common/recent-two.ts';
import { VictimCopies } from './victim-copies.ts';

/** The key of every ARP packet (ARP carries little traffic: one partition takes all of it). */
export const ARP_KEY = 'arp';

export function packetKey(p: Packet): string {
  if (p.src !== '') return p.src;
  if (p.arp !== null) return ARP_KEY;
  return p.srcMac;
}

export class PacketRouter {
  private readonly partitionOfKeys = new Map<string, number>();
  /** Nine in ten lookups on the benchmark capture are of one of the last two keys. */
  private readonly recentKeys = new RecentTwo<number>();
  private readonly victimCopies = new VictimCopies();

  /**
   * keyCacheLimit: keys whose partition is remembered (then it starts again). Small enough for
   * the table to stay in the processor's caches: a flood's new source addresses miss it anyway,
   * and lookups in a table of 200,000 missed those caches (`analyze` with 32,768 against
   * 200,000: −6 %, −6 % and +1 % in three sets of paired runs, docs/performance.md, session 14).
   */
  constructor(
    readonly partitions: number,
    private readonly keyCacheLimit = 32_768,
  ) {}

  /** murmur2 over the key's bytes, as Kafka's default partitioner (memoised, bounded). */
  partitionOfKey(key: string): number {
    let partition = this.recentKeys.get(key);
    if (partition !== undefined) return partition;
    partition = this.partitionOfKeys.get(key);
    if (partition === undefined) {
      partition = partitionForKey(key, this.partitions);
      if (this.partitionOfKeys.size >= this.keyCacheLimit) this.partitionOfKeys.clear();
      this.partitionOfKeys.set(key, partition);
    }
    this.recentKeys.remember(key, partition);
    return partition;
  }

  /**
   * A key that Kafka's partitioner maps to the partition (the key of an empty batch sent to it,
   * Batcher#emitIdle): 'idle-<n>' for the smallest n that maps there.
   */
  keyOfPartition(partition: number): string {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) throw new RangeError(`no partition ${partition} of ${this.partitions}`);
    for (let n = 0; ; n++) {
      const key = `idle-${n}`;
      if (partitionForKey(key, this.partitions) === partition) return key;
    }
  }

  /** The partition of the packet itself. */
  partitionOf(p: Packet): number {
    return this.partitionOfKey(packetKey(p));
  }

  /**
   * The partition p's victim copy goes to, or -1 when it has none. Call it once for every packet,
   * in capture order: whether a handshake's ACK is copied depends on the SYNs before it.
   */
  victimPartitionOf(p: Packet): number {
    return this.victimCopies.wants(p) ? this.partitionOfKey(p.dst) : -1;
  }
}
