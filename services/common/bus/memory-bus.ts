/**
 * The in-process Bus adapter of the embedded mode (npm start, netsentinel analyze) and of fast
 * tests. It keeps Kafka's semantics that the services rely on: partitions chosen by murmur2 of
 * the key, per-partition order, consumer groups that split partitions between members and
 * resume from committed offsets, commit after the batch handler resolves.
 *
 * Memory stays bounded: a partition keeps only what some group still has to read, and
 * produce() waits (backpressure) while a partition holds maxBacklog unread messages. Topics
 * nobody consumes keep the last `retainUnconsumed` messages.
 */
import { BusError } from '../errors.ts';
import { partitionForKey } from './partitioner.ts';
import type { Bus, ConsumeOptions, IncomingMessage, OutgoingMessage, PartitionBatch, Subscription, TopicSpec } from './port.ts';

export interface MemoryBusOptions {
  /** Partitions of topics created implicitly by produce/consume. Default 6. */
  partitions?: number;
  /** Unread messages per partition before produce() waits. Default 256. */
  maxBacklog?: number;
  /** Messages kept per partition of a topic no group consumes. Default 1000. */
  retainUnconsumed?: number;
  /** Messages handed to onBatch at most. Default 64. */
  maxBatchMessages?: number;
}

interface Partition {
  /** Offset of messages[0]. */
  base: number;
  messages: IncomingMessage[];
  /** Latest offset per key, for compacted topics. */
  latestByKey?: Map<string, number>;
}

interface Topic {
  name: string;
  compacted: boolean;
  partitions: Partition[];
  roundRobin: number;
}

interface Member {
  id: number;
  options: ConsumeOptions;
  assigned: Array<{ topic: string; partition: number }>;
  stopped: boolean;
  loop: Promise<void>;
}

interface Group {
  id: string;
  topics: Set<string>;
  members: Member[];
  /** Next offset to read, per "topic/partition". */
  committed: Map<string, number>;
  /** Partitions currently inside an onBatch call, so a rebalance never hands one to two members. */
  busy: Set<string>;
}

export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly partitionsDefault: number;
  private readonly maxBacklog: number;
  private readonly retainUnconsumed: number;
  private readonly maxBatchMessages: number;
  private wakeConsumers: Array<() => void> = [];
  private wakeProducers: Array<() => void> = [];
  private nextMemberId = 0;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.partitionsDefault = options.partitions ?? 6;
    this.maxBacklog = options.maxBacklog ?? 256;
    this.retainUnconsumed = options.retainUnconsumed ?? 1000;
    this.maxBatchMessages = options.maxBatchMessages ?? 64;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) this.topic(spec.name, spec.partitions, spec.compacted ?? false);
  }

  async produce(topicName: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new BusError(`memory bus is closed: cannot produce to ${topicName}`);
    const topic = this.topic(topicName);
    for (const message of messages) {
      const partitionIndex =
        message.key === null ? topic.roundRobin++ % topic.partitions.length : partitionForKey(message.key, topic.partitions.length);
      const partition = topic.partitions[partitionIndex];
      while (this.unread(topic, partitionIndex) >= this.maxBacklog && !this.closed) {
        this.wake('consumers');
        await new Promise<void>((resolve) => this.wakeProducers.push(resolve));
      }
      const offset = partition.base + partition.messages.length;
      partition.messages.push({
        topic: topicName,
        partition: partitionIndex,
        offset: String(offset),
        key: message.key,
        value: message.value,
        headers: { ...(message.headers ?? {}) },
        timestamp: Date.now(),
      });
      if (topic.compacted && message.key !== null) partition.latestByKey!.set(message.key, offset);
      this.trim(topic, partitionIndex);
    }
    this.wake('consumers');
  }

  async consume(options: ConsumeOptions): Promise<Subscription> {
    if (this.closed) throw new BusError(`memory bus is closed: cannot consume ${options.topics.join(', ')}`);
    for (const name of options.topics) this.topic(name);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { id: options.groupId, topics: new Set(), members: [], committed: new Map(), busy: new Set() };
      this.groups.set(options.groupId, group);
    }
    for (const name of options.topics) {
      if (!group.topics.has(name)) {
        group.topics.add(name);
        const topic = this.topics.get(name)!;
        topic.partitions.forEach((partition, index) => {
          const key = `${name}/${index}`;
          if (!group!.committed.has(key)) {
            group!.committed.set(key, options.fromBeginning === false ? partition.base + partition.messages.length : partition.base);
          }
        });
      }
    }
    const member: Member = { id: this.nextMemberId++, options, assigned: [], stopped: false, loop: Promise.resolve() };
    group.members.push(member);
    this.rebalance(group);
    member.loop = this.runMember(group, member);
    const owningGroup = group;
    return {
      stop: async () => {
        if (member.stopped) return;
        member.stopped = true;
        this.wake('consumers');
        await member.loop;
        owningGroup.members = owningGroup.members.filter((m) => m !== member);
        this.rebalance(owningGroup);
        this.wake('consumers');
      },
    };
  }

  async close(): Promise<void> {
    const members = [...this.groups.values()].flatMap((g) => g.members);
    for (const member of members) member.stopped = true;
    this.closed = true;
    this.wake('consumers');
    this.wake('producers');
    await Promise.all(members.map((m) => m.loop));
  }

  /** Committed offset (next to read) of a group on a partition; for tests and lag metrics. */
  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.groups.get(groupId)?.committed.get(`${topic}/${partition}`);
  }

  private topic(name: string, partitions = this.partitionsDefault, compacted = false): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        name,
        compacted,
        roundRobin: 0,
        partitions: Array.from({ length: partitions }, () => ({ base: 0, messages: [], latestByKey: compacted ? new Map() : undefined })),
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private rebalance(group: Group): void {
    const owned = [...group.topics].flatMap((name) =>
      this.topics.get(name)!.partitions.map((_, partition) => ({ topic: name, partition })),
    );
    const active = group.members.filter((m) => !m.stopped);
    for (const member of group.members) member.assigned = [];
    owned.forEach((tp, i) => {
      if (active.length > 0) active[i % active.length].assigned.push(tp);
    });
    for (const member of active) {
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of member.assigned) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      member.options.onAssignment?.([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
    }
  }

  private async runMember(group: Group, member: Member): Promise<void> {
    // Let consume() return (and its caller register state) before the first batch arrives.
    await Promise.resolve();
    while (!member.stopped && !this.closed) {
      let delivered = false;
      for (const { topic: topicName, partition: index } of member.assigned) {
        if (member.stopped) break;
        const key = `${topicName}/${index}`;
        if (group.busy.has(key)) continue;
        const batch = this.readBatch(group, topicName, index);
        if (!batch) continue;
        group.busy.add(key);
        try {
          await member.options.onBatch(batch);
          // A rebalance during the batch may have moved the partition; the commit still holds
          // because the new owner skipped it while it was busy.
          group.committed.set(key, Number(batch.lastOffset) + 1);
        } catch (err) {
          member.stopped = true;
          group.members = group.members.filter((m) => m !== member);
          this.rebalance(group);
          member.options.onCrash?.(err instanceof Error ? err : new Error(String(err)));
          return;
        } finally {
          group.busy.delete(key);
        }
        this.trim(this.topics.get(topicName)!, index);
        this.wake('producers');
        this.wake('consumers');
        delivered = true;
      }
      if (!delivered && !member.stopped && !this.closed) {
        await new Promise<void>((resolve) => this.wakeConsumers.push(resolve));
      }
    }
  }

  private readBatch(group: Group, topicName: string, index: number): PartitionBatch | null {
    const partition = this.topics.get(topicName)!.partitions[index];
    const key = `${topicName}/${index}`;
    let next = Math.max(group.committed.get(key) ?? partition.base, partition.base);
    group.committed.set(key, next);
    const end = partition.base + partition.messages.length;
    const messages: IncomingMessage[] = [];
    while (next < end && messages.length < this.maxBatchMessages) {
      const message = partition.messages[next - partition.base];
      next++;
      // Compacted topics hand out only the latest value per key, as a compacted log would.
      if (partition.latestByKey && message.key !== null && partition.latestByKey.get(message.key) !== Number(message.offset)) continue;
      messages.push(message);
    }
    if (messages.length === 0) {
      if (next !== group.committed.get(key)) group.committed.set(key, next);
      return null;
    }
    return { topic: topicName, partition: index, messages, lastOffset: messages[messages.length - 1].offset };
  }

  private unread(topic: Topic, index: number): number {
    const partition = topic.partitions[index];
    const end = partition.base + partition.messages.length;
    let minNext = end;
    let consumed = false;
    for (const group of this.groups.values()) {
      if (!group.topics.has(topic.name) || group.members.length === 0) continue;
      consumed = true;
      minNext = Math.min(minNext, group.committed.get(`${topic.name}/${index}`) ?? partition.base);
    }
    return consumed ? end - minNext : 0;
  }

  private trim(topic: Topic, index: number): void {
    const partition = topic.partitions[index];
    const end = partition.base + partition.messages.length;
    let keepFrom = end - this.retainUnconsumed;
    for (const group of this.groups.values()) {
      // A group with no member left holds nothing back: memory must not grow while it is away.
      if (!group.topics.has(topic.name) || group.members.length === 0) continue;
      keepFrom = Math.min(keepFrom, group.committed.get(`${topic.name}/${index}`) ?? partition.base);
    }
    const drop = keepFrom - partition.base;
    if (drop > 0) {
      partition.messages.splice(0, drop);
      partition.base = keepFrom;
    }
  }

  private wake(which: 'consumers' | 'producers'): void {
    const waiters = which === 'consumers' ? this.wakeConsumers : this.wakeProducers;
    if (which === 'consumers') this.wakeConsumers = [];
    else this.wakeProducers = [];
    for (const resolve of waiters) resolve();
  }
}
