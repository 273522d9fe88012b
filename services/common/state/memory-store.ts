/**
 * StateStore in process memory: `analyze`, the embedded mode and the fast tests. Same
 * semantics as the Redis adapter (test/contract/state-store.contract.ts): fenced commits,
 * TTL on every key, shared quota and queue (shared within the process). Bounded: at most
 * maxKeys live keys, the least recently written go first.
 */
import { compareOffsets, partitionMetaKey, type CommitOutcome, type LogRead, type PartitionCommit, type PartitionRef, type PartitionSnapshot, type QueueItem, type QuotaDecision, type QuotaPop, type QuotaWindow, type StateStore } from './port.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

interface Meta {
  applied: string;
  outbox: string;
  awaiting: string | null;
}

interface Log {
  head: number;
  entries: Array<{ seq: number; entry: string }>;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Upper bound of stored keys (state, cache and quota counters together). */
  maxKeys?: number;
  /** Clock used for TTLs and quota windows in tests; defaults to Date.now. */
  now?: () => number;
}

export class MemoryStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly metas = new Map<string, Entry & { meta: Meta }>();
  private readonly queues = new Map<string, { items: Map<string, number>; expiresAt: number }>();
  private readonly logs = new Map<string, Log>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 1_000_000;
    this.now = options.now ?? Date.now;
  }

  async load(ref: PartitionRef, keys: string[]): Promise<PartitionSnapshot> {
    const meta = this.liveMeta(partitionMetaKey(ref));
    return { applied: meta?.applied ?? null, outbox: meta?.outbox ?? null, awaiting: meta?.awaiting ?? null, values: keys.map((key) => this.read(key)) };
  }

  async commit(commit: PartitionCommit): Promise<CommitOutcome> {
    const metaKey = partitionMetaKey(commit.ref);
    const meta = this.liveMeta(metaKey);
    const current = meta?.applied ?? null;
    if (current !== commit.expectedApplied) return 'conflict';
    if (current !== null && compareOffsets(commit.applied, current) <= 0) return 'conflict';
    for (const key of commit.deletes) this.entries.delete(key);
    for (const write of commit.writes) this.write(write.key, write.value, write.ttlMs);
    this.metas.set(metaKey, { value: '', expiresAt: this.now() + commit.metaTtlMs, meta: { applied: commit.applied, outbox: commit.outbox, awaiting: commit.awaiting ?? meta?.awaiting ?? null } });
    return 'committed';
  }

  async get(keys: string[]): Promise<Array<string | null>> {
    return keys.map((key) => this.read(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async takeQuota(name: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaDecision> {
    const keys = windows.map((w) => `q:${name}:${w.windowMs}:${Math.floor(nowMs / w.windowMs)}`);
    let retryAfterMs = 0;
    windows.forEach((w, i) => {
      const used = Number(this.read(keys[i]) ?? '0');
      if (used >= w.max) retryAfterMs = Math.max(retryAfterMs, w.windowMs - (nowMs % w.windowMs));
    });
    if (retryAfterMs > 0) return { granted: false, retryAfterMs };
    windows.forEach((w, i) => {
      const used = Number(this.read(keys[i]) ?? '0');
      this.write(keys[i], String(used + 1), w.windowMs * 2);
    });
    return { granted: true, retryAfterMs: 0 };
  }

  async popWithQuota(queue: string, quota: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaPop> {
    const q = this.queues.get(queue);
    if (!q || q.expiresAt <= this.now() || q.items.size === 0) return { outcome: 'empty' };
    const decision = await this.takeQuota(quota, windows, nowMs);
    if (!decision.granted) return { outcome: 'denied', retryAfterMs: decision.retryAfterMs };
    const [item] = await this.queuePop(queue, 1);
    return { outcome: 'granted', item };
  }

  async queuePush(queue: string, items: QueueItem[], maxLength: number, ttlMs: number): Promise<void> {
    let q = this.queues.get(queue);
    if (!q || q.expiresAt <= this.now()) {
      q = { items: new Map(), expiresAt: 0 };
      this.queues.set(queue, q);
    }
    for (const item of items) {
      const old = q.items.get(item.member);
      if (old === undefined || item.score > old) q.items.set(item.member, item.score);
    }
    if (q.items.size > maxLength) {
      const sorted = [...q.items].sort(byScoreDesc);
      q.items = new Map(sorted.slice(0, maxLength));
    }
    q.expiresAt = this.now() + ttlMs;
  }

  async queuePop(queue: string, count: number): Promise<QueueItem[]> {
    const q = this.queues.get(queue);
    if (!q || q.expiresAt <= this.now()) return [];
    const top = [...q.items].sort(byScoreDesc).slice(0, count);
    for (const [member] of top) q.items.delete(member);
    return top.map(([member, score]) => ({ member, score }));
  }

  async appendLog(log: string, entry: string, maxLength: number, ttlMs: number): Promise<number> {
    let l = this.logs.get(log);
    if (!l || l.expiresAt <= this.now()) {
      l = { head: 0, entries: [], expiresAt: 0 };
      this.logs.set(log, l);
    }
    l.head += 1;
    l.entries.push({ seq: l.head, entry });
    if (l.entries.length > maxLength) l.entries.splice(0, l.entries.length - Math.max(1, maxLength));
    l.expiresAt = this.now() + ttlMs;
    return l.head;
  }

  async readLog(log: string, after: number, max: number): Promise<LogRead> {
    const l = this.logs.get(log);
    if (!l || l.expiresAt <= this.now()) return { head: 0, entries: [] };
    if (max <= 0) return { head: l.head, entries: [] };
    return { head: l.head, entries: l.entries.filter((e) => e.seq > after).slice(0, max) };
  }

  async close(): Promise<void> {
    this.logs.clear();
    this.entries.clear();
    this.metas.clear();
    this.queues.clear();
  }

  /** Live keys (for tests and the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  private read(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  private write(key: string, value: string, ttlMs: number): void {
    // Delete first so that Map order is write order: the oldest write is evicted first.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private liveMeta(key: string): Meta | undefined {
    const entry = this.metas.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.metas.delete(key);
      return undefined;
    }
    return entry.meta;
  }
}

function byScoreDesc(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}
