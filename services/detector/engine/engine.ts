/**
 * The detection engine: the one code path behind the distributed worker (worker.ts) and the
 * embedded `analyze`. For one partition batch it
 *   1. works out which state blobs and cached verdicts the packets need,
 *   2. loads them with the partition's applied offset and outbox (one round trip),
 *   3. skips what is already applied (redelivery) and re-emits the stored outbox,
 *   4. folds every remaining packet, in partition order, through every detector,
 *   5. writes the changed state, the new offset and the outbox in one fenced commit (one round
 *      trip; on a conflict it reloads and decides again),
 * and returns the alerts to publish. The fold is sequential per partition and uses only event
 * time, so the result does not depend on how the stream was cut into batches, on the replay
 * speed or on which worker runs it.
 */
import type { Config } from '../../common/config/schema.ts';
import type { Alert, DetectorBatch, DetectorPacket } from '../../common/model.ts';
import { StateStoreError } from '../../common/errors.ts';
import { compareOffsets, type PartitionRef, type PartitionSnapshot, type StateStore, type StateWrite } from '../../common/state/port.ts';
import type { Detector, DetectorContext, Finding } from '../detector.ts';
import { DETECTORS } from '../detectors/index.ts';
import { FeedSources, type FeedRefresh } from '../intel/feeds.ts';
import { intelCacheKey, IntelView, loggedVerdict, VERDICT_LOG } from '../intel/view.ts';
import { CidrSet, domainMatches, registrableDomain } from '../net.ts';
import { absorbInCooldown, incidentSlot, keepCandidate, keepUntilVerdict, pruneCandidates, pruneIncidents, raiseCandidate, recordFinding, reviseOnVerdict, type Candidate, type Incident } from './incidents.ts';
import { AwaitingVerdicts } from './awaiting-verdicts.ts';
import { keepable, keepPacket, keptPacket, type KeptPacket } from './first-packet.ts';
import { Suppressions } from './suppressions.ts';
import { counter } from '../../common/observability/metrics.ts';
import { PackedPackets } from '../../common/packed-packet.ts';

export interface BatchMessage {
  offset: string;
  batch: DetectorBatch;
}

export interface BatchResult {
  alerts: Alert[];
  /** Alerts re-emitted from the outbox of an already applied batch. */
  replayed: number;
  /** Packets folded, victim copies not counted (they are copies of packets of other batches). */
  packets: number;
  /** Messages skipped because their effect was already in the store. */
  skippedMessages: number;
  suppressed: number;
}

interface Blob {
  /** latest event time (ms) */
  t: number;
  /** detector name -> state JSON */
  d: Record<string, unknown>;
  /** incidents */
  i: Record<string, Incident>;
  /** Findings short of their threshold that a verdict not known yet may raise (incidents.ts, Candidate). */
  c?: Record<string, Candidate>;
  /** The key's first packet, kept instead of the states it would create (engine/first-packet.ts). */
  f?: KeptPacket;
}

interface LiveBlob {
  raw: Blob;
  /**
   * Revived detector states by index in this engine's detector list (an array: the fold looks
   * one up for every packet and detector).
   */
  live: unknown[];
  /** Bit i: detector i stepped this blob in batch `batch` (a number, not an object per state). */
  stepped: number;
  batch: number;
  /**
   * raw.f as a packet (the batch's own object while live, when the batch's packets are objects:
   * callers must not reuse packets; a copy when they are packed), until the key's second packet
   * creates the states from it.
   */
  first: DetectorPacket | null;
  /** The fold's number (DetectionEngine.folded) of the packet kept as first, while its fold runs. */
  firstSeq: number;
  /** Length of the blob's JSON as last read or written (0 in a non-durable engine). */
  size: number;
  /** The number of the step (DetectionEngine.steps) that last used the blob... */
  used: number;
  /** ...and of the step that put it where it is in the live set's order (overflow()). */
  placed: number;
}

interface PartitionCache {
  /** The applied offset of the store when these blobs were last committed. */
  applied: string | null;
  blobs: Map<string, LiveBlob>;
  /** The sizes of its blobs, summed. */
  bytes: number;
  /**
   * Keys known to be stored nowhere (a present-only key read and not found, or a key this engine
   * deleted), so that present-only packets about them are not read again: like the live set,
   * true while this engine is the partition's only writer. A key leaves it when a blob is made.
   */
  absent: Set<string>;
  /** Incidents awaiting intel verdicts (null until read: only with lookups). */
  awaiting: AwaitingVerdicts | null;
}

/**
 * Known-absent keys an engine remembers over all its partitions, at most (each partition its
 * share, and at least 1,000; then it starts again).
 */
const MAX_ABSENT = 100_000;

function markAbsent(part: PartitionCache, key: string, max: number): void {
  if (part.absent.size >= max) part.absent.clear();
  part.absent.add(key);
}

export interface EngineOptions {
  /**
   * true (workers): every changed blob is written with each commit, and at most `cacheMaxKeys`
   * stay live. false (analyze, whose store is a private in-memory one): a blob is written only
   * when it leaves the live set (the least recently used beyond `cacheMaxKeys`), so state costs
   * no JSON until there is more of it than memory should hold.
   */
  durable?: boolean;
  /** Live blobs kept in memory, over all partitions (default: detector.cacheMaxKeys). */
  cacheMaxKeys?: number;
  /**
   * Bytes of JSON the live blobs were last read or written as, over all partitions (default:
   * detector.cacheMaxBytes); a durable engine's bound on its live state by size, since a key
   * holds anything from a kept packet to a busy host's nine detectors. Only a durable engine
   * knows the sizes (a non-durable one writes JSON only as blobs leave), so only it is bound.
   */
  cacheMaxBytes?: number;
  /**
   * The number of partitions the engine will see, when known (analyze): each keeps its share of
   * cacheMaxKeys from the first batch on. Otherwise (a worker, whose assignment changes) the
   * share is taken over the partitions it has seen.
   */
  partitions?: number;
  /**
   * Keep a new key's first packet instead of creating detector states, when no detector it is
   * keyed to can report on it (default true; false for tests comparing both).
   */
  keepFirstPackets?: boolean;
  /** Told about each feed file read again, or kept because it could not be (intel/feeds.ts). */
  onFeedRefresh?: (change: { path: string } & FeedRefresh) => void;
  /** Wall clock that paces the feed files' checks (intel.feeds.reloadSeconds); Date.now. */
  now?: () => number;
}

/** DetectorContext as the engine holds it: it swaps torRelays when the relay list changes. */
type EngineContext = { -readonly [K in keyof DetectorContext]: DetectorContext[K] };

export const INTEL_QUEUE = 'intel';

/** What a step needs from the store: its state keys, per (packet, detector), and intel entities. */
interface Keyed {
  /** The keys packets create state under, in the order they first do. */
  keys: string[];
  /** Their numbers (in names). */
  keyNumbers: number[];
  /** Keys only asked for by Detector.presentKeyOf (none of them in keys): read, never created. */
  present: string[];
  presentNumbers: number[];
  /** Every key of the step, keys and present ones, by its number in perPacket. */
  names: string[];
  /**
   * The number (in names) of the key of every (packet, detector), flat in fold order; -1 for
   * none. Numbers, not the strings: the fold finds a blob by array index rather than a Map
   * lookup, and compares keys as integers.
   */
  perPacket: Int32Array;
  /** 1 where perPacket holds a presentKeyOf key (the packet updates that state only if it exists). */
  presentOnly: Uint8Array;
  starts: number[];
  entities: string[];
}

/**
 * A step's snapshot asked for ahead (prefetch()), while the step before it was committing. It
 * holds for the live set it was asked against: the blobs missing from it then are the ones read.
 */
export interface Prefetch {
  readonly messages: BatchMessage[];
  readonly keyed: Keyed;
  readonly part: PartitionCache | undefined;
  readonly missing: string[];
  readonly probed: string[];
  readonly snapshot: Promise<StepSnapshot>;
}

export interface ProcessOptions {
  /**
   * Called once the step's commit is on its way to the store, before its outcome is awaited, so
   * that the caller's work for its next step (decoding it, prefetch()) overlaps the store's on
   * this commit. Not called when nothing is committed (a batch already applied).
   */
  whileCommitting?: () => Promise<void>;
  /** The snapshot prefetch() asked for these messages; ignored if the live set changed since. */
  prefetched?: Prefetch;
}

interface FoldOutput {
  alerts: Alert[];
  suppressed: number;
  /** Incidents whose alert this step went out before their intel verdict was known. */
  awaits: Array<{ entity: string; key: string; t: number }>;
}

/** A step's read: the partition's snapshot and, with lookups, the verdict log's newest number. */
interface StepSnapshot extends PartitionSnapshot {
  verdictHead: number;
}

/** Verdict-log entries a step reads at most (the rest wait for the next step). */
const VERDICTS_PER_STEP = 1_000;

/** Removes a blob from the live set. */
function drop(part: PartitionCache, key: string): void {
  const blob = part.blobs.get(key);
  if (blob === undefined) return;
  part.bytes -= blob.size;
  part.blobs.delete(key);
}

/** A blob with nothing in it yet: no state, stored or live, and no incident. */
function isNew(blob: LiveBlob): boolean {
  if (blob.live.length > 0) return false;
  for (const _ in blob.raw.d) return false;
  for (const _ in blob.raw.i) return false;
  return true;
}

const verdictRevisions = counter('netsentinel_detector_verdict_revisions_total', 'Alert revisions made by an intel verdict that arrived after the alert (the severity it raises).');
const verdictRaised = counter('netsentinel_detector_verdict_raised_total', 'Alerts raised by an intel verdict that arrived after the count fell short of the threshold it had without one.');
const lateResets = counter('netsentinel_detector_late_resets_total', 'State keys started over because a packet was older than detector.allowedLatenessSeconds behind the newest of its key.');

/**
 * A packet older than allowedLateness behind its key's newest one starts the key over (state
 * and incidents), as a new capture would: deterministic whatever the batch cut, where keeping
 * stale state for it would depend on whether a step boundary had already deleted it.
 */
function startOver(blob: LiveBlob, t: number): void {
  blob.raw = { t, d: {}, i: {} };
  blob.live = [];
  blob.stepped = 0;
  blob.first = null;
  blob.firstSeq = -1;
  lateResets.inc();
}

/** Detectors an engine can run: one bit each in LiveBlob.stepped. */
const MAX_DETECTORS = 31;

export class DetectionEngine {
  private readonly detectors: ReadonlyArray<Detector<unknown>>;
  private readonly intel: IntelView;
  private readonly ctx: EngineContext;
  private readonly feedSources: FeedSources;
  private readonly suppressions: Suppressions;
  private readonly allowlist: CidrSet;
  private readonly policy: { cooldownMs: number; idleMs: number };
  private readonly latenessMs: number;
  private readonly ttlMs: number;
  private readonly durable: boolean;
  private readonly cacheMaxKeys: number;
  private readonly cacheMaxBytes: number;
  private readonly partitions: number | undefined;
  private readonly keepFirstPackets: boolean;
  private readonly cache = new Map<number, PartitionCache>();
  private batchNo = 0;
  /** Steps begun (attempts included): the stamps of LiveBlob.used and placed. */
  private steps = 0;
  /** Packets folded: a packet's number tells it from the others (LiveBlob.firstSeq), also when packed packets come through one cursor object. */
  private folded = 0;
  /**
   * The state key of every (packet, detector) of the batch being processed, flat in fold
   * order. Reused between batches: a new array per batch (13 slots per packet, grown by
   * doubling) was a sixth of everything `analyze` allocated.
   */
  private keyBuf: Int32Array = new Int32Array(0);
  /** Keyed.presentOnly's buffer, reused like keyBuf. */
  private presentBuf: Uint8Array = new Uint8Array(0);
  /** Whether each detector, by index, reads victim copies (Detector.readsVictimCopies) instead of the packets themselves. */
  private readonly readsVictimCopies: boolean[];
  /** Each detector's presentKeyOf, by index (null for most). */
  private readonly presentKeyers: Array<((p: DetectorPacket, ctx: DetectorContext) => string | null) | null>;
  /** Each detector's keyOf and step, by index. */
  private readonly keyers: Array<(p: DetectorPacket, ctx: DetectorContext) => string | null>;
  private readonly steppers: Array<(state: unknown, p: DetectorPacket, ctx: DetectorContext) => Finding | null>;
  /** The incidents of the blob and the event time (ms) of the packet being stepped, for ctx.absorbed(). */
  private readonly stepping: { incidents: Record<string, Incident>; t: number } = { incidents: {}, t: 0 };

  constructor(
    private readonly config: Readonly<Config>,
    private readonly store: StateStore,
    private readonly stream: string,
    options: EngineOptions = {},
  ) {
    const c = config.detector;
    this.durable = options.durable ?? true;
    this.cacheMaxKeys = options.cacheMaxKeys ?? c.cacheMaxKeys;
    this.cacheMaxBytes = options.cacheMaxBytes ?? c.cacheMaxBytes;
    this.partitions = options.partitions;
    this.keepFirstPackets = options.keepFirstPackets ?? true;
    this.detectors = (DETECTORS as ReadonlyArray<Detector<unknown>>).filter((d) => d.enabled(c));
    if (this.detectors.length > MAX_DETECTORS) throw new Error(`the engine runs at most ${MAX_DETECTORS} detectors (${this.detectors.length} enabled)`);
    // Called unbound (Detector: no detector uses `this`): a property load from thirteen object
    // shapes per packet and detector cost more than the call.
    this.keyers = this.detectors.map((d) => d.keyOf);
    this.steppers = this.detectors.map((d) => d.step);
    this.presentKeyers = this.detectors.map((d) => d.presentKeyOf ?? null);
    this.readsVictimCopies = this.detectors.map((d) => d.readsVictimCopies === true);
    const internal = new CidrSet(c.internalNetworks);
    this.feedSources = new FeedSources({
      files: config.intel.feeds.files,
      torFile: c.tor.feedFile,
      reloadMs: config.intel.feeds.reloadSeconds * 1000,
      now: options.now ?? Date.now,
      onRefresh: options.onFeedRefresh,
    });
    const tor = this.feedSources.torRelays;
    this.intel = new IntelView(this.feedSources.feeds, internal, config.intel.virustotal.apiKey !== '');
    const intel = this.intel;
    this.suppressions = new Suppressions(c.suppressions);
    this.allowlist = new CidrSet(c.allowlist.addresses);
    this.policy = { cooldownMs: c.cooldownSeconds * 1000, idleMs: c.incidentIdleSeconds * 1000 };
    const stepping = this.stepping;
    const policy = this.policy;
    // An absorbed finding is never looked at, so it may not be one that allowlists or
    // suppressions would have silenced (silenced findings count nowhere): with any of those
    // configured, every finding is built and checked.
    const gate = this.allowlist.empty && c.allowlist.domains.length === 0 && c.suppressions.length === 0;
    this.ctx = {
      config: c,
      internal,
      torRelays: tor,
      verdict: (entity) => intel.verdict(entity),
      wantIntel: (entity, priority) => intel.want(entity, priority),
      absorbed: (family, key, category, severity) => gate && absorbInCooldown(stepping.incidents, family, key, category, severity, stepping.t, policy),
    };
    this.ttlMs = c.stateTtlSeconds * 1000;
    this.latenessMs = c.allowedLatenessSeconds * 1000;
  }

  async process(partition: number, messages: BatchMessage[], options: ProcessOptions = {}): Promise<BatchResult> {
    const prefetched = options.prefetched?.messages === messages ? options.prefetched : undefined;
    const keyed = prefetched?.keyed ?? this.keysOf(messages);
    try {
      return await this.processOnce(partition, messages, keyed, prefetched, options.whileCommitting);
    } catch (err) {
      // The fold may have changed cached state that never reached the store.
      this.cache.delete(partition);
      throw err;
    } finally {
      if (keyed.perPacket.length > this.keyBuf.length) this.keyBuf = keyed.perPacket;
      if (keyed.presentOnly.length > this.presentBuf.length) this.presentBuf = keyed.presentOnly;
    }
  }

  /**
   * Asks the store for the snapshot of a partition's next step now, before process() is called
   * for it: called while the step before is committing, the read queues behind that commit on
   * the store's connection, so it sees the commit's effect, and the worker's decoding overlaps
   * the store's work. Pass the result to process() with the same messages.
   */
  prefetch(partition: number, messages: BatchMessage[]): Prefetch {
    const keyed = this.keysOf(messages);
    const part = this.cache.get(partition);
    const { missing, probed, snapshot } = this.readMissing(partition, keyed, part, keyed.entities.map(intelCacheKey));
    // Awaited by process(), if it is called: until then a failed read is no unhandled rejection.
    snapshot.catch(() => undefined);
    return { messages, keyed, part, missing, probed, snapshot };
  }

  /**
   * Reads the partition's snapshot: its applied offset and outbox, the state keys the live set
   * `part` does not hold (a new source, or everything after a takeover), then the present-only
   * keys it does not hold (`probed`: whether they exist is what the step needs to know), and the
   * intel keys, in that order.
   */
  private readMissing(partition: number, keyed: Keyed, part: PartitionCache | undefined, intelKeys: string[]): { missing: string[]; probed: string[]; snapshot: Promise<StepSnapshot> } {
    const missing: string[] = [];
    for (const k of keyed.keys) if (!part || !part.blobs.has(k)) missing.push(k);
    const probed: string[] = [];
    for (const k of keyed.present) if (!part || (!part.blobs.has(k) && !part.absent.has(k))) probed.push(k);
    const prefix = this.statePrefix(partition);
    const stateKeys = new Array<string>(missing.length + probed.length);
    for (let i = 0; i < missing.length; i++) stateKeys[i] = prefix + missing[i];
    for (let i = 0; i < probed.length; i++) stateKeys[missing.length + i] = prefix + probed[i];
    const loading = this.store.load({ stream: this.stream, partition }, intelKeys.length === 0 ? stateKeys : [...stateKeys, ...intelKeys]);
    // Without lookups no verdict ever arrives: no read of the verdict log.
    const snapshot = this.intel.lookups
      ? Promise.all([loading, this.store.readLog(VERDICT_LOG, 0, 0)]).then(([snap, log]) => ({ ...snap, verdictHead: log.head }))
      : loading.then((snap) => ({ ...snap, verdictHead: 0 }));
    return { missing, probed, snapshot };
  }

  /** A partition's share of MAX_ABSENT (over the partitions seen, when their number is not known). */
  private absentMax(partition: number): number {
    const partitions = this.partitions ?? this.cache.size + (this.cache.has(partition) ? 0 : 1);
    return Math.max(1_000, Math.floor(MAX_ABSENT / partitions));
  }

  /** Where a partition's state keys live in the store. */
  private statePrefix(partition: number): string {
    return `s:${this.stream}:${partition}:`;
  }

  private async processOnce(partition: number, messages: BatchMessage[], keyed: Keyed, prefetched: Prefetch | undefined, whileCommitting: (() => Promise<void>) | undefined): Promise<BatchResult> {
    const ref: PartitionRef = { stream: this.stream, partition };
    const prefix = this.statePrefix(partition);
    const { keys, keyNumbers, present, presentNumbers, names, perPacket, presentOnly, starts, entities } = keyed;
    const intelKeys = entities.map(intelCacheKey);
    const lastOffset = messages[messages.length - 1].offset;

    for (let attempt = 0; attempt < 5; attempt++) {
      // State this worker committed itself is still live in memory: only keys it does not hold
      // are read. Valid only while the store's applied offset is the one this worker committed
      // last.
      const cached = this.cache.get(partition);
      const read = attempt === 0 && prefetched !== undefined && prefetched.part === cached ? prefetched : this.readMissing(partition, keyed, cached, intelKeys);
      const { missing, probed } = read;
      const snap = await read.snapshot;
      if (cached && snap.applied !== cached.applied) {
        this.cache.delete(partition);
        continue;
      }
      const replay = snap.applied !== null ? messages.filter((m) => compareOffsets(m.offset, snap.applied!) <= 0).length : 0;
      const outboxAlerts = replay > 0 && snap.outbox ? (JSON.parse(snap.outbox) as Alert[]) : [];
      if (replay === messages.length) {
        return { alerts: outboxAlerts, replayed: outboxAlerts.length, packets: 0, skippedMessages: replay, suppressed: 0 };
      }
      this.intel.setCached(entities, snap.values.slice(missing.length + probed.length));
      const part: PartitionCache = cached ?? { applied: snap.applied, blobs: new Map(), bytes: 0, absent: new Set(), awaiting: null };
      const absentMax = this.absentMax(partition);
      const step = ++this.steps;
      const adopt = (key: string, raw: string | null): void => {
        const blob: Blob = raw ? (JSON.parse(raw) as Blob) : { t: 0, d: {}, i: {} };
        const size = this.durable && raw ? raw.length : 0;
        part.blobs.set(key, { raw: blob, live: [], stepped: 0, batch: 0, used: step, placed: step, first: blob.f ? keptPacket(blob.f) : null, firstSeq: -1, size });
        part.bytes += size;
      };
      for (let i = 0; i < missing.length; i++) {
        const raw = snap.values[i];
        if (!raw) part.absent.delete(missing[i]);
        adopt(missing[i], raw);
      }
      for (let i = 0; i < probed.length; i++) {
        const raw = snap.values[missing.length + i];
        // A present-only key that is stored nowhere stays absent: nothing is created for it.
        if (raw) adopt(probed[i], raw);
        else markAbsent(part, probed[i], absentMax);
      }
      const touched: LiveBlob[] = [];
      const touchedKeys: string[] = [];
      const touch = (k: string, blob: LiveBlob): void => {
        // Stamped, not moved (overflow() moves it if it comes to leave).
        blob.used = step;
        touched.push(blob);
        touchedKeys.push(k);
      };
      // The fold's blobs by key number (a present-only key stored nowhere has none); the fold
      // adds no blob and replaces none, so they hold for all of it.
      const blobAt = new Array<LiveBlob | undefined>(names.length);
      for (let i = 0; i < keys.length; i++) {
        const blob = part.blobs.get(keys[i])!;
        blobAt[keyNumbers[i]] = blob;
        touch(keys[i], blob);
      }
      for (let i = 0; i < present.length; i++) {
        const blob = part.blobs.get(present[i]);
        blobAt[presentNumbers[i]] = blob;
        if (blob !== undefined) touch(present[i], blob);
      }
      const { alerts, packets, suppressed, awaits } = this.fold(messages.slice(replay), perPacket, presentOnly, starts[replay], names, blobAt, partition);
      const awaiting = this.intel.lookups ? await this.reviseOnVerdicts(part, snap, awaits, prefix, adopt, touch, touchedKeys, alerts) : undefined;
      const { writes, deletes } = this.serialise(touchedKeys, touched, prefix, part);
      for (const k of deletes) {
        drop(part, k);
        markAbsent(part, k, absentMax);
      }
      const leaving = this.overflow(part, partition);
      const committing = this.store.commit({
        ref,
        expectedApplied: snap.applied,
        applied: lastOffset,
        // Non-durable: the engine holds the only copy of a leaving blob, so it goes to the store
        // first (serialise() synced every live state into it; it is revived as a worker revives
        // evicted state).
        writes: this.durable ? writes : leaving.map((k) => ({ key: prefix + k, value: JSON.stringify(part.blobs.get(k)!.raw), ttlMs: this.ttlMs })),
        // Non-durable: a key gone idle may still have a spilled copy in the store.
        deletes: deletes.map((k) => prefix + k),
        outbox: JSON.stringify(alerts),
        awaiting,
        metaTtlMs: this.ttlMs,
      });
      // The live set as it is once this commit holds, before its outcome is known, so that
      // prefetch() for the next step reads what that step needs (a conflict or an error drops
      // the partition's live set, and the step is decided again from the store). Leaving blobs
      // are in the commit already.
      part.applied = lastOffset;
      this.cache.set(partition, part);
      for (const k of leaving) drop(part, k);
      let outcome: Awaited<typeof committing>;
      try {
        if (whileCommitting) {
          committing.catch(() => undefined);
          await whileCommitting();
          whileCommitting = undefined;
        }
      } finally {
        outcome = await committing;
      }
      if (outcome !== 'committed') {
        this.cache.delete(partition);
        continue;
      }
      await this.queueLookups();
      return { alerts: [...outboxAlerts, ...alerts], replayed: outboxAlerts.length, packets, skippedMessages: replay, suppressed };
    }
    throw new StateStoreError(`partition ${partition} of ${this.stream}: the applied offset kept moving under this worker (5 conflicts); another worker owns it`);
  }

  /**
   * The blobs beyond the partition's share of cacheMaxKeys and cacheMaxBytes, about the least
   * recently used: they leave memory after this commit, which bounds the engine's live state.
   * A step does not move the blobs it uses to the end of the live set (a Map delete and set per
   * key and step, and the Map's rehashing, were a few per cent of `analyze`): here, a blob used
   * since it was put where it is moves to the end instead of leaving, so a blob leaves only
   * when unused since, and the blobs of this step only if they alone are over the bound. Which
   * blobs leave changes no alert: a blob that leaves is read back when its key comes again.
   */
  private overflow(part: PartitionCache, partition: number): string[] {
    const partitions = this.partitions ?? this.cache.size + (this.cache.has(partition) ? 0 : 1);
    const maxKeys = Math.max(1, Math.floor(this.cacheMaxKeys / partitions));
    const maxBytes = this.cacheMaxBytes / partitions;
    let count = part.blobs.size;
    let bytes = part.bytes;
    const keys: string[] = [];
    if (count <= maxKeys && bytes <= maxBytes) return keys;
    // A moved blob comes round again at the end of this iteration (a Map's iteration visits
    // what is appended during it), used no later than placed: the loop ends.
    const step = this.steps;
    for (const [k, blob] of part.blobs) {
      if (count <= maxKeys && bytes <= maxBytes) break;
      if (blob.used > blob.placed) {
        blob.placed = step;
        part.blobs.delete(k);
        part.blobs.set(k, blob);
        continue;
      }
      keys.push(k);
      count--;
      bytes -= blob.size;
    }
    return keys;
  }

  /**
   * Feed files that changed are read again between steps (before a step's keys are worked out),
   * so that one step sees one version of a list.
   */
  private refreshFeeds(): void {
    this.feedSources.refreshIfDue();
    this.ctx.torRelays = this.feedSources.torRelays;
  }

  /** The state key of every (packet, detector), flat in fold order, and the intel entities. */
  private keysOf(messages: BatchMessage[]): Keyed {
    this.refreshFeeds();
    const numbers = new Map<string, number>();
    const names: string[] = [];
    /** Per key number: 1 once a packet creates state under it, 0 while only asked for. */
    const creates: number[] = [];
    const keys: string[] = [];
    const keyNumbers: number[] = [];
    const lastAsked = new Array<string | null>(this.detectors.length).fill(null);
    const lastAskedNumber = new Array<number>(this.detectors.length).fill(-1);
    /** k's number in this step (numbered now if new); `made` 1 when a packet creates state under k. */
    const numberOf = (k: string, made: number): number => {
      let n = numbers.get(k);
      if (n === undefined) {
        n = names.length;
        numbers.set(k, n);
        names.push(k);
        creates.push(made);
        if (made === 0) return n;
      } else if (made === 0 || creates[n] === 1) return n;
      creates[n] = 1;
      keys.push(k);
      keyNumbers.push(n);
      return n;
    };
    /** The two keys last numbered for a packet's own state (both made: creates is 1). */
    let recent1: string | null = null;
    let recentNumber1 = -1;
    let recent2: string | null = null;
    let recentNumber2 = -1;
    const presentKeyers = this.presentKeyers;
    const keyers = this.keyers;
    const readsVictimCopies = this.readsVictimCopies;
    const starts: number[] = [];
    const entities = new Set<string>();
    const ctx = this.ctx;
    const detectors = this.detectors;
    const nd = detectors.length;
    const lookups = this.intel.lookups;
    let total = 0;
    for (const m of messages) total += m.batch.packets.length;
    // Taken while this batch uses it (given back by process()), so an interleaved call of
    // another partition can never overwrite it.
    const perPacket = this.keyBuf.length >= total * nd ? this.keyBuf : new Int32Array(total * nd);
    this.keyBuf = new Int32Array(0);
    const presentOnly = this.presentBuf.length >= total * nd ? this.presentBuf : new Uint8Array(total * nd);
    this.presentBuf = new Uint8Array(0);
    let at = 0;
    for (const m of messages) {
      starts.push(at);
      const list = m.batch.packets;
      const packed = list instanceof PackedPackets ? list : null;
      for (let pi = 0; pi < list.length; pi++) {
        const p = packed !== null ? packed.at(pi) : (list as DetectorPacket[])[pi];
        let last: string | null = null;
        let lastNumber = -1;
        const copy = p.victimCopy;
        for (let di = 0; di < nd; di++) {
          // A victim copy is for the detectors that read those, and only for them.
          if (readsVictimCopies[di] !== copy) {
            presentOnly[at] = 0;
            perPacket[at++] = -1;
            continue;
          }
          let k = keyers[di](p, ctx);
          let only = 0;
          let n = -1;
          if (k !== null) {
            // Most detectors key by source: one string per packet, and a flow's packets come
            // from its two ends in turn, so the last two keys made are asked for again and again.
            if (k === last) n = lastNumber;
            else if (k === recent1) {
              n = recentNumber1;
              last = k;
              lastNumber = n;
            } else if (k === recent2) {
              n = recentNumber2;
              last = k;
              lastNumber = n;
            } else {
              n = numberOf(k, 1);
              last = k;
              lastNumber = n;
              recent2 = recent1;
              recentNumber2 = recentNumber1;
              recent1 = k;
              recentNumber1 = n;
            }
          } else {
            const presentKeyOf = presentKeyers[di];
            if (presentKeyOf !== null) {
              k = presentKeyOf(p, ctx);
              if (k !== null) {
                // The packet's own key (a source's) is numbered anyway; a flow's packets ask for
                // the same key one after another.
                if (k === last) n = lastNumber;
                else if (k === lastAsked[di]) n = lastAskedNumber[di];
                else {
                  n = numberOf(k, 0);
                  lastAsked[di] = k;
                  lastAskedNumber[di] = n;
                }
                only = 1;
              }
            }
          }
          presentOnly[at] = only;
          perPacket[at++] = n;
        }
        if (lookups) {
          // A victim copy is judged about its victim (Detector.readsVictimCopies): the verdict of
          // its source, a new spoofed address per packet in a flood, would be read for nothing.
          if (!copy && this.intel.wantsCache(p.src)) entities.add(p.src);
          if (this.intel.wantsCache(p.dst)) entities.add(p.dst);
          if (p.dns && !p.dns.response && p.dns.qname) entities.add(registrableDomain(p.dns.qname));
        }
      }
    }
    const present: string[] = [];
    const presentNumbers: number[] = [];
    for (let n = 0; n < names.length; n++) {
      if (creates[n] === 1) continue;
      present.push(names[n]);
      presentNumbers.push(n);
    }
    return { keys, keyNumbers, present, presentNumbers, names, perPacket, presentOnly, starts, entities: [...entities] };
  }

  private fold(messages: BatchMessage[], keys: Int32Array, presentOnly: Uint8Array, first: number, names: string[], blobAt: Array<LiveBlob | undefined>, partition: number): FoldOutput & { packets: number } {
    const out: FoldOutput = { alerts: [], suppressed: 0, awaits: [] };
    let packets = 0;
    const ctx = this.ctx;
    const detectors = this.detectors;
    const steppers = this.steppers;
    const nd = detectors.length;
    const batchNo = ++this.batchNo;
    const scope = String(partition);
    const stepping = this.stepping;
    let at = first;
    for (const m of messages) {
      const sensor = { id: m.batch.sensorId, host: m.batch.sensorHost };
      const list = m.batch.packets;
      const packed = list instanceof PackedPackets ? list : null;
      for (let pi = 0; pi < list.length; pi++) {
        // A packed packet comes through a cursor, valid until the next at(): copied to be kept.
        const p = packed !== null ? packed.at(pi) : (list as DetectorPacket[])[pi];
        const seq = ++this.folded;
        if (!p.victimCopy) packets++;
        const t = p.ts / 1000;
        stepping.t = Math.floor(t);
        let lastKey = -1;
        let blob: LiveBlob | undefined;
        let present = false;
        for (let di = 0; di < nd; di++, at++) {
          const k = keys[at];
          if (k < 0) continue;
          const d = detectors[di];
          if (presentOnly[at] === 1) {
            present = true;
            continue;
          }
          if (k !== lastKey) {
            blob = blobAt[k]!;
            lastKey = k;
            if (t > blob.raw.t) blob.raw.t = t;
            else if (t < blob.raw.t - this.latenessMs) startOver(blob, t);
            stepping.incidents = blob.raw.i;
            if (blob.batch !== batchNo) {
              blob.batch = batchNo;
              blob.stepped = 0;
            }
            if (blob.first !== null) {
              if (blob.firstSeq !== seq) this.createFromFirst(blob, names[k], scope, sensor, out);
            } else if (this.keepFirstPackets && isNew(blob) && this.canKeepFirst(p, keys, presentOnly, at - di, k)) {
              blob.first = packed !== null ? packed.copy(pi) : p;
              blob.firstSeq = seq;
              blob.raw.f = keepPacket(p);
            }
          }
          // Kept: its detectors step it when the key's second packet comes.
          if (blob!.firstSeq === seq) continue;
          let state = blob!.live[di];
          if (state === undefined) {
            const stored = blob!.raw.d[d.name];
            state = stored === undefined ? d.create(ctx) : d.revive(stored, ctx);
            blob!.live[di] = state;
          }
          blob!.stepped |= 1 << di;
          const finding = steppers[di](state, p, ctx);
          if (finding !== null) this.report(finding, p, d, names[k], blob!, scope, sensor, out);
        }
        // Present-only steps come after the packet's keyed ones, so that they find the state
        // those made (a key's second packet creates its states from the kept first one), in
        // whatever order the detectors are listed.
        if (present) {
          for (let di = 0, a = at - nd; di < nd; di++, a++) {
            if (presentOnly[a] !== 1) continue;
            const k = keys[a];
            this.stepPresent(detectors[di], di, names[k], p, t, blobAt[k], batchNo, scope, sensor, out);
          }
        }
      }
    }
    return { alerts: out.alerts, packets, suppressed: out.suppressed, awaits: out.awaits };
  }

  /**
   * A packet keyed by Detector.presentKeyOf: stepped into the detector's state of its key only
   * if that state exists, stored or live; nothing is created, the key's event time does not
   * move, and a packet older than allowedLateness behind it is not stepped (whether the state
   * still exists then would depend on where a step boundary fell).
   */
  private stepPresent(d: Detector<unknown>, di: number, k: string, p: DetectorPacket, t: number, blob: LiveBlob | undefined, batchNo: number, scope: string, sensor: { id: string; host: string }, out: FoldOutput): void {
    if (blob === undefined || t < blob.raw.t - this.latenessMs) return;
    let state = blob.live[di];
    if (state === undefined) {
      const stored = blob.raw.d[d.name];
      if (stored === undefined) return;
      state = d.revive(stored, this.ctx);
      blob.live[di] = state;
    }
    if (blob.batch !== batchNo) {
      blob.batch = batchNo;
      blob.stepped = 0;
    }
    blob.stepped |= 1 << di;
    // Present-only steps come last in a packet's fold, and the next keyed step sets it again.
    this.stepping.incidents = blob.raw.i;
    const finding = d.step(state, p, this.ctx);
    if (finding !== null) this.report(finding, p, d, k, blob, scope, sensor, out);
  }

  private report(f: Finding, p: DetectorPacket, d: Detector<unknown>, k: string, blob: LiveBlob, scope: string, sensor: { id: string; host: string }, out: FoldOutput): void {
    const silenced = this.silenced(f, p.ts / 1000);
    // The partition number, not the topic name: ids must not depend on a deployment's topic
    // prefix (nor differ between the pipeline and `analyze`).
    const partitionScope = k.startsWith('src:') ? null : scope;
    if (f.shortfall != null) {
      // Not an alert (yet): neither suppressed nor counted.
      if (!silenced && keepCandidate(blob.raw, f, f.shortfall, p, d.name, partitionScope, this.policy, sensor)) {
        out.awaits.push({ entity: f.intel.entity, key: k, t: p.ts / 1000 });
      }
      return;
    }
    if (silenced) {
      out.suppressed++;
      return;
    }
    // Alerted without a verdict: a candidate of the incident has nothing left to raise.
    if (blob.raw.c !== undefined) delete blob.raw.c[incidentSlot(f.family, f.key)];
    const alert = recordFinding(blob.raw.i, f, p, d.name, partitionScope, this.policy, sensor);
    if (alert === null) return;
    out.alerts.push(alert);
    if (this.intel.lookups && keepUntilVerdict(blob.raw.i, f, alert, this.intel.wantsCache(alert.intel.entity))) {
      out.awaits.push({ entity: alert.intel.entity, key: k, t: p.ts / 1000 });
    }
  }

  /**
   * Notes the step's incidents that await a verdict in the partition's record, then revises
   * every incident the verdicts logged since the partition's cursor raise (SPEC D2.8: a verdict
   * that arrives after the attack stopped still upgrades its alert), adding the revisions to
   * `alerts` and their blobs to the step's writes. Returns the record to commit when it changed.
   */
  private async reviseOnVerdicts(
    part: PartitionCache,
    snap: StepSnapshot,
    awaits: FoldOutput['awaits'],
    prefix: string,
    adopt: (key: string, raw: string | null) => void,
    touch: (key: string, blob: LiveBlob) => void,
    touchedKeys: string[],
    alerts: Alert[],
  ): Promise<string | undefined> {
    let changed = part.awaiting === null && snap.awaiting === null;
    const record = part.awaiting ?? AwaitingVerdicts.from(snap.awaiting, snap.verdictHead);
    part.awaiting = record;
    const maxAgeMs = this.policy.idleMs + this.latenessMs;
    // Noted first: a verdict logged while this step folded revises the alert it just made.
    for (const a of awaits) record.note(a.entity, a.key, a.t, maxAgeMs);
    if (awaits.length > 0) changed = true;
    // The log expired and started again: its entries are all new to this partition.
    if (snap.verdictHead < record.cursor) record.cursor = 0;
    if (snap.verdictHead === record.cursor) return changed ? record.toJSON() : undefined;
    const read = await this.store.readLog(VERDICT_LOG, record.cursor, VERDICTS_PER_STEP);
    record.cursor = read.entries.length === VERDICTS_PER_STEP ? read.entries[read.entries.length - 1].seq : read.head;
    const arrived = [];
    for (const { entry } of read.entries) {
      const verdict = loggedVerdict(entry);
      if (verdict !== null && record.keysOf(verdict.entity).length > 0) arrived.push(verdict);
    }
    const keys = [...new Set(arrived.flatMap((v) => record.keysOf(v.entity)))];
    const stored = keys.filter((k) => !part.blobs.has(k));
    const values = await this.store.get(stored.map((k) => prefix + k));
    for (let i = 0; i < stored.length; i++) if (values[i] !== null) adopt(stored[i], values[i]);
    const touchedNow = new Set(touchedKeys);
    for (const verdict of arrived) {
      for (const k of record.keysOf(verdict.entity)) {
        const blob = part.blobs.get(k);
        if (blob === undefined) continue;
        let revised = false;
        for (const inc of Object.values(blob.raw.i)) {
          const wasAwaiting = inc.a !== undefined;
          const alert = reviseOnVerdict(inc, verdict);
          if (alert !== null) {
            alerts.push(alert);
            verdictRevisions.inc();
          }
          revised ||= wasAwaiting && inc.a === undefined;
        }
        // After the incidents: one a candidate opens now awaits nothing.
        for (const [slot, candidate] of Object.entries(blob.raw.c ?? {})) {
          if (candidate.a.intel.entity !== verdict.entity) continue;
          const alert = raiseCandidate(blob.raw, slot, verdict, this.policy.idleMs);
          if (alert !== null) {
            alerts.push(alert);
            verdictRaised.inc();
          }
          revised = true;
        }
        if (revised && !touchedNow.has(k)) {
          touch(k, blob);
          touchedNow.add(k);
        }
      }
      record.forget(verdict.entity);
    }
    return record.toJSON();
  }

  /** Whether every detector keyed (at keys[base + i]) to key number k can keep p as k's first packet. */
  private canKeepFirst(p: DetectorPacket, keys: Int32Array, presentOnly: Uint8Array, base: number, k: number): boolean {
    if (!keepable(p)) return false;
    const detectors = this.detectors;
    for (let di = 0; di < detectors.length; di++) {
      // A present-only step never creates state: it does not stand in the way.
      if (keys[base + di] !== k || presentOnly[base + di] === 1) continue;
      const quiet = detectors[di].quietFirst;
      if (quiet === undefined || !quiet(p, this.config.detector)) return false;
    }
    return true;
  }

  /**
   * The key's second packet has come: its kept first packet is stepped through the detectors it
   * is keyed to, from new states, as it would have been when it came.
   */
  private createFromFirst(blob: LiveBlob, k: string, scope: string, sensor: { id: string; host: string }, out: FoldOutput): void {
    const p = blob.first!;
    blob.first = null;
    blob.firstSeq = -1;
    delete blob.raw.f;
    const ctx = this.ctx;
    const stepping = this.stepping;
    const t = stepping.t;
    stepping.t = Math.floor(p.ts / 1000);
    for (let di = 0; di < this.detectors.length; di++) {
      const d = this.detectors[di];
      if (this.readsVictimCopies[di] !== p.victimCopy || d.keyOf(p, ctx) !== k) continue;
      const state = d.create(ctx);
      blob.live[di] = state;
      blob.stepped |= 1 << di;
      // Null for a quiet first packet; reported all the same should a detector's quietFirst be wrong.
      const finding = d.step(state, p, ctx);
      if (finding !== null) this.report(finding, p, d, k, blob, scope, sensor, out);
    }
    stepping.t = t;
  }

  private silenced(f: Finding, tsMs: number): boolean {
    if (!this.allowlist.empty && (this.allowlist.has(f.src) || (f.dst !== null && this.allowlist.has(f.dst)))) return true;
    if (f.category === 'dns_tunnelling' && f.dst !== null && this.config.detector.allowlist.domains.some((d) => domainMatches(f.dst!, d))) return true;
    return this.suppressions.matches(f, tsMs);
  }

  /** Live state blobs over all partitions (the bound is cacheMaxKeys). */
  get liveKeys(): number {
    let n = 0;
    for (const part of this.cache.values()) n += part.blobs.size;
    return n;
  }

  /** Keys known to be stored nowhere, over all partitions (a partition's bound is its share of 100,000, at least 1,000). */
  get knownAbsentKeys(): number {
    let n = 0;
    for (const part of this.cache.values()) n += part.absent.size;
    return n;
  }

  /** Their JSON sizes, summed (the bound is cacheMaxBytes; durable engines only). */
  get liveBytes(): number {
    let n = 0;
    for (const part of this.cache.values()) n += part.bytes;
    return n;
  }

  /** Writes of the blobs a batch touched (JSON only when durable; their sizes updated in part), and the keys gone idle. */
  private serialise(keys: string[], blobs: LiveBlob[], prefix: string, part: PartitionCache): { writes: StateWrite[]; deletes: string[] } {
    const writes: StateWrite[] = [];
    const deletes: string[] = [];
    for (let j = 0; j < blobs.length; j++) {
      const blob = blobs[j];
      // Judged allowedLateness behind the newest packet: what is deleted then is what every
      // packet the fold still accepts for this key (not older than that) would find expired, so
      // deleting it at a step boundary or keeping it gives the same alerts.
      const now = blob.raw.t - this.latenessMs;
      // Only the detectors this batch stepped are judged idle (as a worker that revives just
      // those from the store would), so cached and reloaded state give the same result.
      const live = blob.live;
      const stepped = blob.batch === this.batchNo ? blob.stepped : 0;
      for (let di = 0; di < live.length; di++) {
        const state = live[di];
        if (state === undefined || (stepped & (1 << di)) === 0) continue;
        const d = this.detectors[di];
        if (d.idle(state, now)) {
          delete blob.raw.d[d.name];
          live[di] = undefined;
        } else blob.raw.d[d.name] = state;
      }
      pruneIncidents(blob.raw.i, now, this.policy.idleMs);
      pruneCandidates(blob.raw, now, this.policy.idleMs);
      // A kept first packet is state too.
      let empty = blob.first === null;
      if (empty) for (const _ in blob.raw.d) {
        empty = false;
        break;
      }
      if (empty) for (const _ in blob.raw.i) {
        empty = false;
        break;
      }
      // pruneCandidates leaves no empty record.
      if (empty && blob.raw.c !== undefined) empty = false;
      if (empty) deletes.push(keys[j]);
      else if (this.durable) {
        const value = JSON.stringify(blob.raw);
        part.bytes += value.length - blob.size;
        blob.size = value.length;
        writes.push({ key: prefix + keys[j], value, ttlMs: this.ttlMs });
      }
    }
    return { writes, deletes };
  }

  private async queueLookups(): Promise<void> {
    if (this.intel.wanted.size === 0) return;
    const items = [...this.intel.wanted].map(([member, score]) => ({ member, score }));
    this.intel.wanted.clear();
    await this.store.queuePush(INTEL_QUEUE, items, this.config.intel.virustotal.queueMax, 86_400_000);
  }
}
