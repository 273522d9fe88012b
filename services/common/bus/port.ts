/**
 * The Bus port: what services need from a log-structured message bus. Kafka is the
 * production adapter (kafka-bus.ts); memory-bus.ts runs the embedded all-in-one and the fast
 * tests. Both pass test/contract/bus.contract.ts. Values are opaque bytes here: the serde
 * (services/common/serde) frames them.
 */

export interface OutgoingMessage {
  /** Partition key: messages with the same key keep their order. null spreads round-robin. */
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets exceed 2^53 in theory). */
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  /** Broker append time or producer time, ms since the epoch (wall clock, not event time). */
  timestamp: number;
}

/** Consecutive messages of one partition, handed to the consumer together. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** Offset of the last message of the batch. */
  lastOffset: string;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default true (earliest). */
  fromBeginning?: boolean;
  /**
   * Called once per partition batch. The batch's offsets are committed only after the
   * returned promise resolves; a rejection stops the consumer without committing, so the
   * batch is redelivered (to this or another group member).
   */
  onBatch: (batch: PartitionBatch) => Promise<void>;
  /** Called after every (re)assignment with the partitions this member now owns. */
  onAssignment?: (assignment: Array<{ topic: string; partitions: number[] }>) => void;
  /** Called when the consumer stops on an error it cannot recover from. */
  onCrash?: (error: Error) => void;
}

export interface Subscription {
  /** Leaves the group after the batch in flight is committed. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Keep only the latest value per key (Kafka cleanup.policy=compact). */
  compacted?: boolean;
  /** Retention in ms; undefined keeps the broker default. */
  retentionMs?: number;
}

export interface Bus {
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /**
   * Appends messages to a topic; resolves when the bus has acknowledged all of them, so a
   * caller that awaits it gets backpressure for free.
   */
  produce(topic: string, messages: OutgoingMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Subscription>;
  /** Flushes and disconnects producers and consumers. */
  close(): Promise<void>;
}
