/**
 * Groups packets into batches per Kafka partition of their key (the source address; ARP: the
 * sender address; otherwise the source MAC), so that one host's packets always travel in the
 * same partition, in capture order. A group is emitted when it holds batchMaxPackets packets,
 * or about batchMaxBytes encoded bytes, or when its first packet waited batchMaxDelayMs.
 */
import { partitionForKey } from '../common/bus/partitioner.ts';
import type { Packet } from '../common/model.ts';

export interface BatcherOptions {
  partitions: number;
  maxPackets: number;
  maxBytes: number;
  maxDelayMs: number;
  /** Receives every full or expired group; key is the first packet's key (it maps to `partition`). */
  emit: (partition: number, key: string, packets: Packet[]) => void;
  now?: () => number;
}

interface Group {
  key: string;
  packets: Packet[];
  bytes: number;
  since: number;
}

/** Encoded size of a packet without its strings (varints, flags, union branches), roughly. */
const FIXED_BYTES = 48;
const KEY_CACHE_LIMIT = 1 << 16;

export function packetKey(p: Packet): string {
  if (p.src !== '') return p.src;
  if (p.arp !== null) return p.arp.senderIp;
  return p.srcMac;
}

export function estimateBytes(p: Packet): number {
  let n = FIXED_BYTES + p.src.length + p.dst.length + p.srcMac.length + p.dstMac.length + p.vlanIds.length * 2;
  if (p.dns !== null) n += 24 + p.dns.qname.length;
  if (p.arp !== null) n += 40;
  if (p.tlsSni !== null) n += p.tlsSni.length;
  if (p.httpHost !== null) n += p.httpHost.length;
  if (p.communityId !== null) n += p.communityId.length;
  return n;
}

export class Batcher {
  private readonly groups: Array<Group | null>;
  private readonly partitionOfKey = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: BatcherOptions) {
    this.groups = new Array<Group | null>(options.partitions).fill(null);
    this.now = options.now ?? Date.now;
  }

  partitionOf(key: string): number {
    let partition = this.partitionOfKey.get(key);
    if (partition === undefined) {
      partition = partitionForKey(key, this.options.partitions);
      if (this.partitionOfKey.size >= KEY_CACHE_LIMIT) this.partitionOfKey.clear();
      this.partitionOfKey.set(key, partition);
    }
    return partition;
  }

  add(p: Packet): void {
    const key = packetKey(p);
    const partition = this.partitionOf(key);
    let group = this.groups[partition];
    if (group === null) {
      group = { key, packets: [], bytes: 0, since: this.now() };
      this.groups[partition] = group;
    }
    group.packets.push(p);
    group.bytes += estimateBytes(p);
    if (group.packets.length >= this.options.maxPackets || group.bytes >= this.options.maxBytes) this.emit(partition);
  }

  /** Emits the groups whose first packet waited maxDelayMs or more; call it on a timer. */
  flushExpired(): void {
    const limit = this.now() - this.options.maxDelayMs;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.groups[i];
      if (g !== null && g.since <= limit) this.emit(i);
    }
  }

  /** Emits every non-empty group (end of input, shutdown). */
  flushAll(): void {
    for (let i = 0; i < this.groups.length; i++) if (this.groups[i] !== null) this.emit(i);
  }

  get pendingPackets(): number {
    let n = 0;
    for (const g of this.groups) if (g !== null) n += g.packets.length;
    return n;
  }

  private emit(partition: number): void {
    const g = this.groups[partition];
    if (g === null) return;
    this.groups[partition] = null;
    this.options.emit(partition, g.key, g.packets);
  }
}
