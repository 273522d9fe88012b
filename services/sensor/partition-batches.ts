/**
 * Packets cut into per-partition batches exactly as the sensor's batcher cuts them for Kafka
 * (packet-router.ts: each packet in its source's partition, its victim copy in its
 * destination's), for everything that plays the sensor in one process: `analyze`, and the
 * tests and benches that feed an engine or encode messages themselves. A batch is handed over
 * when it fills, in the order batches fill, so a caller that folds them in that order sees what
 * a worker sees.
 */
import type { Packet } from '../common/model.ts';
import { PackedPackets } from '../common/packed-packet.ts';
import { PacketRouter } from './packet-router.ts';

export interface PartitionBatch<B> {
  partition: number;
  packets: B;
}

/** What a batch is: how one is made, added to, counted and emptied for reuse. */
export interface BatchKind<B> {
  make(): B;
  /** Adds what the batch holds of p (a caller that reuses its Packet must copy), `victimCopy` true for its victim copy. */
  add(batch: B, p: Packet, victimCopy: boolean): void;
  size(batch: B): number;
  clear(batch: B): void;
}

/** Batches as arrays of what `entry` makes of each packet: the packet itself, or a copy. */
export function arrayBatches<T>(entry: (p: Packet, victimCopy: boolean) => T): BatchKind<T[]> {
  return {
    make: () => [],
    add: (batch, p, victimCopy) => void batch.push(entry(p, victimCopy)),
    size: (batch) => batch.length,
    clear: (batch) => void (batch.length = 0),
  };
}

/** Batches as PackedPackets of `capacity` (they grow beyond it if asked). */
export function packedBatches(capacity: number): BatchKind<PackedPackets> {
  return {
    make: () => new PackedPackets(capacity),
    add: (batch, p, victimCopy) => batch.append(p, victimCopy),
    size: (batch) => batch.length,
    clear: (batch) => batch.clear(),
  };
}

export class PartitionBatches<B> {
  private readonly pending: B[];
  private readonly full: Array<PartitionBatch<B>> = [];
  /** Emptied batches handed back (reuse), for the next batches. */
  private readonly spare: B[] = [];
  private readonly router: PacketRouter;

  constructor(
    partitions: number,
    private readonly size: number,
    private readonly kind: BatchKind<B>,
  ) {
    this.router = new PacketRouter(partitions);
    this.pending = Array.from({ length: partitions }, () => kind.make());
  }

  /**
   * Adds p (and its victim copy, if the sensor sends one); returns the batches that filled, in
   * the order they filled (an array the next call reuses), and forgets them. Call it for every
   * packet, in capture order.
   */
  add(p: Packet): Array<PartitionBatch<B>> {
    this.full.length = 0;
    this.push(this.router.partitionOf(p), p, p.victimCopy);
    const victimPartition = this.router.victimPartitionOf(p);
    if (victimPartition >= 0) this.push(victimPartition, p, true);
    return this.full;
  }

  /** The batches not yet full (at the end of the packets), by partition; it forgets them. */
  rest(): Array<PartitionBatch<B>> {
    const rest: Array<PartitionBatch<B>> = [];
    for (let partition = 0; partition < this.pending.length; partition++) {
      if (this.kind.size(this.pending[partition]) > 0) rest.push({ partition, packets: this.pending[partition] });
      this.pending[partition] = this.kind.make();
    }
    return rest;
  }

  /** A batch, once nothing refers to it any more, for a next batch (fewer arrays grown push by push). */
  reuse(batch: B): void {
    this.kind.clear(batch);
    this.spare.push(batch);
  }

  private push(partition: number, p: Packet, victimCopy: boolean): void {
    const batch = this.pending[partition];
    this.kind.add(batch, p, victimCopy);
    if (this.kind.size(batch) < this.size) return;
    this.full.push({ partition, packets: batch });
    this.pending[partition] = this.spare.pop() ?? this.kind.make();
  }
}
