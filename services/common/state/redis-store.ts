/**
 * StateStore in Redis: shared by every detector worker, so any worker can take over any
 * partition. Multi-key changes are Lua scripts (lua/*.lua) loaded with defineCommand: one
 * round trip per partition batch for the snapshot and one for the fenced commit, whatever the
 * number of packets. Every key gets a TTL; every key carries config.redis.keyPrefix.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { StateStoreError } from '../errors.ts';
import { createRedisConnection } from '../redis-connection.ts';
import { partitionMetaKey, type CommitOutcome, type PartitionCommit, type PartitionRef, type LogRead, type PartitionSnapshot, type QueueItem, type QuotaDecision, type QuotaPop, type QuotaWindow, type StateStore } from './port.ts';
import { histogram } from '../observability/metrics.ts';

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

interface ScriptedRedis extends Redis {
  // Keys and arguments go as arrays (ioredis flattens them): a spread of a step's keys into the
  // call overflows the stack past ~120,000 values.
  nsLoadPartition(numKeys: number, keys: string[]): Promise<Array<string | null | false>>;
  nsCommitPartition(numKeys: number, keys: string[], args: Array<string | number>): Promise<string>;
  nsTakeQuota(numKeys: number, ...args: Array<string | number>): Promise<[number, number, string?, string?]>;
  nsQueuePush(numKeys: number, key: string, args: Array<string | number>): Promise<number>;
  nsAppendLog(numKeys: number, ...args: Array<string | number>): Promise<number>;
  nsReadLog(numKeys: number, ...args: Array<string | number>): Promise<[number, ...string[]]>;
}

export interface RedisStoreOptions {
  /** Prefix of every key (config.redis.keyPrefix); the store adds "d:" for detector keys. */
  keyPrefix: string;
}

/** Latency of every Redis round trip of the detector state, by operation (Grafana's Redis panel). */
const roundTripSeconds = histogram(
  'netsentinel_state_round_trip_seconds',
  'Redis round trips of the detector state store, by operation.',
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  ['op'],
);

export class RedisStore implements StateStore {
  private readonly redis: ScriptedRedis;
  private readonly prefix: string;
  /** Round trips issued (load, commit, ...): the benchmark reports them per packet. */
  roundTrips = 0;

  constructor(redis: Redis, options: RedisStoreOptions) {
    this.redis = redis as ScriptedRedis;
    this.prefix = `${options.keyPrefix}d:`;
    this.redis.defineCommand('nsLoadPartition', { lua: lua('load-partition') });
    this.redis.defineCommand('nsCommitPartition', { lua: lua('commit-partition') });
    this.redis.defineCommand('nsTakeQuota', { lua: lua('take-quota') });
    this.redis.defineCommand('nsQueuePush', { lua: lua('queue-push') });
    this.redis.defineCommand('nsAppendLog', { lua: lua('append-log') });
    this.redis.defineCommand('nsReadLog', { lua: lua('read-log') });
  }

  async load(ref: PartitionRef, keys: string[]): Promise<PartitionSnapshot> {
    const all = [this.key(partitionMetaKey(ref)), ...keys.map((k) => this.key(k))];
    const reply = await this.call('load', () => this.redis.nsLoadPartition(all.length, all));
    return {
      applied: nullable(reply[0]),
      outbox: nullable(reply[1]),
      awaiting: nullable(reply[2]),
      values: reply.slice(3).map(nullable),
    };
  }

  async commit(c: PartitionCommit): Promise<CommitOutcome> {
    const keys = [this.key(partitionMetaKey(c.ref)), ...c.writes.map((w) => this.key(w.key)), ...c.deletes.map((k) => this.key(k))];
    const args: Array<string | number> = [c.expectedApplied ?? '', c.applied, Math.max(1, Math.ceil(c.metaTtlMs)), c.outbox, c.writes.length];
    for (const w of c.writes) args.push(w.value);
    for (const w of c.writes) args.push(Math.max(1, Math.ceil(w.ttlMs)));
    if (c.awaiting !== undefined) args.push(c.awaiting);
    const reply = await this.call('commit', () => this.redis.nsCommitPartition(keys.length, keys, args));
    return reply === 'committed' ? 'committed' : 'conflict';
  }

  async get(keys: string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    const reply = await this.call('get', () => this.redis.mget(keys.map((k) => this.key(k))));
    return reply.map(nullable);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.key(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async takeQuota(name: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaDecision> {
    const [granted, retryAfterMs] = await this.call('quota', () => this.redis.nsTakeQuota(...this.quotaArgs(name, windows, nowMs, null)));
    return { granted: granted === 1, retryAfterMs: Number(retryAfterMs) };
  }

  async popWithQuota(queue: string, quota: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaPop> {
    const [code, retryAfterMs, member, score] = await this.call('quota-pop', () => this.redis.nsTakeQuota(...this.quotaArgs(quota, windows, nowMs, queue)));
    if (code === 2) return { outcome: 'empty' };
    if (code === 0) return { outcome: 'denied', retryAfterMs: Number(retryAfterMs) };
    return { outcome: 'granted', item: { member: member!, score: Number(score) } };
  }

  /** take-quota.lua's arguments: the window counters, then the queue (if any) as the last key. */
  private quotaArgs(name: string, windows: QuotaWindow[], nowMs: number, queue: string | null): [number, ...Array<string | number>] {
    const keys = windows.map((w) => this.key(`q:${name}:${w.windowMs}:${Math.floor(nowMs / w.windowMs)}`));
    if (queue !== null) keys.push(this.key(`Q:${queue}`));
    const args = [windows.length, ...windows.flatMap((w) => [w.max, w.windowMs - (nowMs % w.windowMs)])];
    return [keys.length, ...keys, ...args];
  }

  async queuePush(queue: string, items: QueueItem[], maxLength: number, ttlMs: number): Promise<void> {
    if (items.length === 0) return;
    const args: Array<string | number> = [maxLength, Math.max(1, Math.ceil(ttlMs))];
    for (const item of items) args.push(item.score, item.member);
    await this.call('queue-push', () => this.redis.nsQueuePush(1, this.key(`Q:${queue}`), args));
  }

  async queuePop(queue: string, count: number): Promise<QueueItem[]> {
    const reply = await this.call('queue-pop', () => this.redis.zpopmax(this.key(`Q:${queue}`), count));
    const items: QueueItem[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) items.push({ member: reply[i], score: Number(reply[i + 1]) });
    return items;
  }

  async appendLog(log: string, entry: string, maxLength: number, ttlMs: number): Promise<number> {
    return this.call('log-append', () => this.redis.nsAppendLog(2, ...this.logKeys(log), entry, Math.max(1, maxLength), Math.max(1, Math.ceil(ttlMs))));
  }

  async readLog(log: string, after: number, max: number): Promise<LogRead> {
    const [head, ...raw] = await this.call('log-read', () => this.redis.nsReadLog(2, ...this.logKeys(log), after, max));
    return { head: Number(head), entries: raw.map(logEntry) };
  }

  private logKeys(log: string): [string, string] {
    return [this.key(`L:${log}:n`), this.key(`L:${log}`)];
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(logical: string): string {
    return this.prefix + logical;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.roundTrips++;
    const stopTimer = roundTripSeconds.startTimer({ op: what });
    try {
      return await run();
    } catch (err) {
      throw new StateStoreError(`redis ${what} failed: ${(err as Error).message} (is Redis reachable at config.redis.url?)`, { cause: err });
    } finally {
      stopTimer();
    }
  }
}

export function createRedisStore(config: Readonly<Config>, connectionName = 'netsentinel-detector'): RedisStore {
  return new RedisStore(createRedisConnection(config, connectionName), { keyPrefix: config.redis.keyPrefix });
}

function nullable(value: string | null | false | undefined): string | null {
  return value === null || value === false || value === undefined ? null : value;
}

/** '<number>|<entry>' as the list stores it. */
function logEntry(raw: string): { seq: number; entry: string } {
  const bar = raw.indexOf('|');
  return { seq: Number(raw.slice(0, bar)), entry: raw.slice(bar + 1) };
}
