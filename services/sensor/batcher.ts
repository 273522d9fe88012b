/**
 * Groups packets into batches per Kafka partition of their key (packet-router.ts: the source
 * address; every ARP packet one key; otherwise the source MAC), so that one host's packets
 * always travel in the same partition, in capture order. Packets are Avro-encoded as they are
 * added (a group holds bytes, not Packet objects: the decoded packets die young, which keeps the
 * heap small). A group is emitted when it holds batchMaxPackets packets, or batchMaxBytes
 * encoded bytes, or when its first packet waited batchMaxDelayMs. SYNs, echo requests and
 * handshake completions also go, as victim copies (victim-copies.ts), to the partition of their
 * destination. A live sensor also sends an empty batch to a partition that got none for a while
 * (emitIdle), so that its detector step runs although its hosts went quiet.
 */
import type { Packet } from '../common/model.ts';
import { PacketBatchBody } from '../common/serde/packet-batch-encoder.ts';
import { packetKey, PacketRouter } from './packet-router.ts';

export interface BatcherOptions {
  partitions: number;
  maxPackets: number;
  maxBytes: number;
  maxDelayMs: number;
  /**
   * Receives every full or expired group; key is the first packet's key (it maps to
   * `partition`). The body is reused once emit returns: frame it (Publisher#frame) before.
   */
  emit: (partition: number, key: string, body: PacketBatchBody) => void;
  now?: () => number;
}

interface Group {
  /** Key of the first packet; '' while the group is empty. */
  key: string;
  body: PacketBatchBody;
  since: number;
  /** When the group was last emitted (or the batcher made). */
  emitted: number;
}

export class Batcher {
  private readonly groups: Group[];
  private readonly router: PacketRouter;
  private readonly now: () => number;

  constructor(private readonly options: BatcherOptions) {
    this.now = options.now ?? Date.now;
    const made = this.now();
    this.groups = Array.from({ length: options.partitions }, () => ({ key: '', body: new PacketBatchBody(), since: 0, emitted: made }));
    this.router = new PacketRouter(options.partitions);
  }

  add(p: Packet): void {
    const key = packetKey(p);
    this.addTo(this.router.partitionOfKey(key), key, p);
    const victimPartition = this.router.victimPartitionOf(p);
    if (victimPartition >= 0) {
      // Encoded at once, so the packet itself serves as the copy for the time of one add.
      p.victimCopy = true;
      try {
        this.addTo(victimPartition, p.dst, p);
      } finally {
        p.victimCopy = false;
      }
    }
  }

  private addTo(partition: number, key: string, p: Packet): void {
    const group = this.groups[partition];
    const body = group.body;
    if (body.count === 0) {
      group.key = key;
      group.since = this.now();
    }
    body.add(p);
    if (body.count >= this.options.maxPackets || body.bytes >= this.options.maxBytes) this.emit(partition);
  }

  /** Emits the groups whose first packet waited maxDelayMs or more; call it on a timer. */
  flushExpired(): void {
    const limit = this.now() - this.options.maxDelayMs;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.groups[i];
      if (g.body.count > 0 && g.since <= limit) this.emit(i);
    }
  }

  /**
   * Emits an empty batch to every partition that got no batch for idleMs or more (and holds no
   * packet): a detector step runs only when its partition gets a message, and a step is where
   * an intel verdict that arrived after a host's last packet revises its alerts (a live attacker
   * that went silent, whose partition would otherwise see nothing more).
   */
  emitIdle(idleMs: number): void {
    const limit = this.now() - idleMs;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.groups[i];
      if (g.body.count > 0 || g.emitted > limit) continue;
      g.key = this.router.keyOfPartition(i);
      this.emit(i);
    }
  }

  /** Emits every non-empty group (end of input, shutdown). */
  flushAll(): void {
    for (let i = 0; i < this.groups.length; i++) if (this.groups[i].body.count > 0) this.emit(i);
  }

  /** Packets waiting in groups (victim copies not counted). */
  get pendingPackets(): number {
    let n = 0;
    for (const g of this.groups) n += g.body.count - g.body.victimCopies;
    return n;
  }

  private emit(partition: number): void {
    const g = this.groups[partition];
    g.emitted = this.now();
    try {
      this.options.emit(partition, g.key, g.body);
    } finally {
      g.body.reset();
      g.key = '';
    }
  }
}
