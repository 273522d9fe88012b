/**
 * The StateStore port: everything a detector worker keeps outside its own process. Redis is
 * the production adapter (redis-store.ts); memory-store.ts runs `analyze`, the embedded mode
 * and the fast tests. Both pass test/contract/state-store.contract.ts.
 *
 * The port is deliberately small and opaque: detector windows and incidents are JSON blobs
 * that the engine (services/detector/engine) folds packet by packet, so the window semantics
 * live in one place (TypeScript, pure) and an adapter only has to make them durable and
 * atomic. What the adapters must guarantee:
 *  - load + commit give exactly-once effect per partition: commit applies its writes only if
 *    the partition's applied offset is still the one load returned, and advances it together
 *    with the writes and the batch's outbox (the alerts it produced), atomically;
 *  - every key expires (ttlMs), so memory is bounded by configuration;
 *  - the quota and the queue are shared by every worker that uses the same store.
 * Keys given to the port are logical ("s:3:src:10.0.0.5"); adapters add their prefix.
 */

/** One partition of one input stream (topic). */
export interface PartitionRef {
  stream: string;
  partition: number;
}

export interface PartitionSnapshot {
  /** Offset of the last message whose effect is in the store; null before the first commit. */
  applied: string | null;
  /** Outbox stored with the applied offset (the alerts of the last committed batch). */
  outbox: string | null;
  /** Values of the requested keys, in request order (null = absent or expired). */
  values: Array<string | null>;
  /**
   * The engine's record of the partition's incidents that await an intel verdict (opaque JSON,
   * written by commits that give one), null before the first such commit.
   */
  awaiting: string | null;
}

export interface StateWrite {
  key: string;
  value: string;
  ttlMs: number;
}

export interface PartitionCommit {
  ref: PartitionRef;
  /** The applied offset load() returned; the commit is refused if it moved since. */
  expectedApplied: string | null;
  /** Offset of the last message of the batch; becomes the applied offset. */
  applied: string;
  writes: StateWrite[];
  deletes: string[];
  outbox: string;
  /** Replaces the partition's awaiting record (PartitionSnapshot.awaiting) when given. */
  awaiting?: string;
  /** Lifetime of the applied offset and outbox; refreshed by every commit. */
  metaTtlMs: number;
}

/** 'conflict': another worker advanced the partition in between (reload and decide again). */
export type CommitOutcome = 'committed' | 'conflict';

export interface QuotaWindow {
  windowMs: number;
  max: number;
}

export interface QuotaDecision {
  granted: boolean;
  /** When not granted: ms until the fullest window rolls over. */
  retryAfterMs: number;
}

/** What popWithQuota did: nothing to do, no quota left, or one unit spent on the item. */
export type QuotaPop = { outcome: 'empty' } | { outcome: 'denied'; retryAfterMs: number } | { outcome: 'granted'; item: QueueItem };

/** What readLog found: the number of the newest entry appended (0: none yet), and entries. */
export interface LogRead {
  head: number;
  /** Oldest first; entries that no longer exist (trimmed, expired) are left out. */
  entries: Array<{ seq: number; entry: string }>;
}

export interface QueueItem {
  member: string;
  score: number;
}

export interface StateStore {
  /** Reads the partition's applied offset and outbox and the given keys, in one round trip. */
  load(ref: PartitionRef, keys: string[]): Promise<PartitionSnapshot>;
  /** Fenced, atomic write of one batch's effect (see the header). */
  commit(commit: PartitionCommit): Promise<CommitOutcome>;

  /** Plain cache reads and writes (threat-intel verdicts). */
  get(keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;

  /**
   * Takes one unit of a quota shared by every caller of the same name: granted only if every
   * fixed window (aligned on multiples of windowMs of nowMs) still has room, and then counted
   * in all of them.
   */
  takeQuota(name: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaDecision>;

  /**
   * A bounded priority queue shared by all workers: push keeps the highest score of a member
   * and trims to maxLength (lowest scores go); pop removes and returns the highest scores.
   */
  queuePush(queue: string, items: QueueItem[], maxLength: number, ttlMs: number): Promise<void>;
  queuePop(queue: string, count: number): Promise<QueueItem[]>;

  /**
   * takeQuota and queuePop(queue, 1) as one atomic step: the unit is spent only when the queue
   * has an item, and concurrent callers get the items in priority order (a separate pop and
   * take would let a lower-priority item win the last unit of a window).
   */
  popWithQuota(queue: string, quota: string, windows: QuotaWindow[], nowMs: number): Promise<QuotaPop>;

  /**
   * A log shared by all workers (intel verdicts as they arrive): entries numbered 1, 2, ... in
   * append order; the newest maxLength are kept, and the whole log lives ttlMs after its last
   * append. Returns the new entry's number.
   */
  appendLog(log: string, entry: string, maxLength: number, ttlMs: number): Promise<number>;
  /** The log's newest number, and the entries numbered after `after` (at most max, oldest first). */
  readLog(log: string, after: number, max: number): Promise<LogRead>;

  close(): Promise<void>;
}

/** Decimal offsets compared without losing precision beyond 2^53. */
export function compareOffsets(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function partitionMetaKey(ref: PartitionRef): string {
  return `p:${ref.stream}:${ref.partition}`;
}
