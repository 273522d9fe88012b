/**
 * Packets cut into per-partition batches exactly as the sensor's batcher cuts them for Kafka
 * (packet-router.ts: each packet in its source's partition, its victim copy in its
 * destination's), for everything that plays the sensor in one process: `analyze`, and the
 * tests and benches that feed an engine or encode messages themselves. A batch is handed over
 * when it fills, in the order batches fill, so a caller that folds them in that order sees what
 * a worker sees.
 */
import type { Packet } from '../common/model.ts';
import { PacketRouter } from './packet-router.ts';

export interface PartitionBatch<T> {
  partition: number;
  packets: T[];
}

export class PartitionBatches<T> {
  private readonly pending: T[][];
  private readonly full: Array<PartitionBatch<T>> = [];
  /** Emptied batch arrays handed back (reuse), for the next batches. */
  private readonly spare: T[][] = [];
  private readonly router: PacketRouter;

  /**
   * `entry` makes what a batch holds of a packet: the packet itself or a copy (a caller that
   * reuses its Packet must copy), `victimCopy` true for its victim copy.
   */
  constructor(
    partitions: number,
    private readonly size: number,
    private readonly entry: (p: Packet, victimCopy: boolean) => T,
  ) {
    this.router = new PacketRouter(partitions);
    this.pending = Array.from({ length: partitions }, () => []);
  }

  /**
   * Adds p (and its victim copy, if the sensor sends one); returns the batches that filled, in
   * the order they filled (an array the next call reuses), and forgets them. Call it for every
   * packet, in capture order.
   */
  add(p: Packet): Array<PartitionBatch<T>> {
    this.full.length = 0;
    this.push(this.router.partitionOf(p), this.entry(p, p.victimCopy));
    const victimPartition = this.router.victimPartitionOf(p);
    if (victimPartition >= 0) this.push(victimPartition, this.entry(p, true));
    return this.full;
  }

  /** The batches not yet full (at the end of the packets), by partition; it forgets them. */
  rest(): Array<PartitionBatch<T>> {
    const rest: Array<PartitionBatch<T>> = [];
    for (let partition = 0; partition < this.pending.length; partition++) {
      if (this.pending[partition].length > 0) rest.push({ partition, packets: this.pending[partition] });
      this.pending[partition] = [];
    }
    return rest;
  }

  /** A batch's array, once nothing refers to it any more, for a next batch (fewer arrays grown push by push). */
  reuse(packets: T[]): void {
    packets.length = 0;
    this.spare.push(packets);
  }

  private push(partition: number, item: T): void {
    const queue = this.pending[partition];
    queue.push(item);
    if (queue.length < this.size) return;
    this.full.push({ partition, packets: queue });
    this.pending[partition] = this.spare.pop() ?? [];
  }
}
