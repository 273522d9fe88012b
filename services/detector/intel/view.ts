/**
 * What the detectors see of threat intelligence during one batch: feed hits, and VirusTotal
 * verdicts read from the shared cache in the batch's single load round trip. Never waits for
 * the network; entities without a verdict are UNKNOWN (x1.0) and are queued for a lookup when
 * a detector is close to its threshold (intel/lookup-queue.ts spends the shared quota).
 */
import { isIP } from 'node:net';
import type { IntelVerdict } from '../../common/model.ts';
import type { CidrSet } from '../net.ts';
import type { Feeds } from './feeds.ts';
import { unknownVerdict, verdictOf, type IntelStats } from './tiers.ts';
import { counter } from '../../common/observability/metrics.ts';

/** The seed's cache counters (hits, cached malicious or suspicious), by the verdict found. */
const cacheHits = counter('netsentinel_intel_cache_hits_total', 'Verdicts found in the shared VirusTotal cache when a step loaded its entities, by verdict.', ['verdict']);

export const intelCacheKey = (entity: string): string => `intel:${entity}`;

/**
 * The StateStore log (appendLog) of entities whose verdict arrived and lowers a threshold: the
 * engine revises the incidents that were reported before it and raises the counts that fell
 * short of it (engine/awaiting-verdicts.ts).
 */
export const VERDICT_LOG = 'intel-verdicts';

/**
 * A VERDICT_LOG entry: the entity and its cache value, so that a partition that reads it after
 * the cache entry expired (5 minutes for the malicious) still has the verdict.
 */
export const verdictLogEntry = (entity: string, value: CachedVerdict): string => `${entity}\n${JSON.stringify(value)}`;

/** A VERDICT_LOG entry's verdict; null for an entry this version cannot read. */
export function loggedVerdict(entry: string): IntelVerdict | null {
  const nl = entry.indexOf('\n');
  return nl < 0 ? null : cachedVerdict(entry.slice(0, nl), entry.slice(nl + 1));
}

export interface CachedVerdict extends IntelStats {
  source: string;
  /** true for a 404: the entity is unknown to VirusTotal (negative cache). */
  notFound?: boolean;
}

const CLEAN = (entity: string): IntelVerdict => ({ ...unknownVerdict(entity), verdict: 'CLEAN' });

/** A verdict cache value as a verdict; null for none (a corrupt entry is treated as absent: the next lookup overwrites it). */
export function cachedVerdict(entity: string, raw: string | null): IntelVerdict | null {
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as CachedVerdict;
    return verdictOf(entity, v.source, v);
  } catch {
    return null;
  }
}

export class IntelView {
  private cached = new Map<string, IntelVerdict>();
  /** Verdicts already built in this batch: detectors ask for every packet. */
  private memo = new Map<string, IntelVerdict>();
  readonly wanted = new Map<string, number>();

  constructor(
    private readonly feeds: Feeds,
    private readonly internal: CidrSet,
    /** false without a VirusTotal key: everything not in a feed is CLEAN. */
    readonly lookups: boolean,
  ) {}

  /** Entities of a batch whose cached verdict is worth loading (public IPs, domains). */
  wantsCache(entity: string): boolean {
    if (!this.lookups || entity === '' || entity === 'multiple') return false;
    return isIP(entity) === 0 || !this.internal.has(entity);
  }

  /** Installs the cache values loaded for the batch (same order as keys). */
  setCached(entities: string[], values: Array<string | null>): void {
    this.cached = new Map();
    this.memo = new Map();
    this.wanted.clear();
    const found = new Map<string, number>();
    entities.forEach((entity, i) => {
      const v = cachedVerdict(entity, values[i]);
      if (v === null) return;
      this.cached.set(entity, v);
      found.set(v.verdict, (found.get(v.verdict) ?? 0) + 1);
    });
    for (const [verdict, n] of found) cacheHits.inc({ verdict }, n);
  }

  verdict(entity: string): IntelVerdict {
    let v = this.memo.get(entity);
    if (v !== undefined) return v;
    const feed = this.feeds.empty ? null : this.feeds.match(entity);
    if (feed) v = { verdict: 'CRITICAL', entity, source: feed, malicious: 0, suspicious: 0, reputation: 0, multiplier: 0.1 };
    // Internal addresses are never looked up: CLEAN, not UNKNOWN (which means "not yet").
    else if (!this.wantsCache(entity)) v = CLEAN(entity);
    else v = this.cached.get(entity) ?? unknownVerdict(entity);
    if (this.memo.size >= 100_000) this.memo.clear();
    this.memo.set(entity, v);
    return v;
  }

  want(entity: string, priority: number): void {
    if (!this.wantsCache(entity) || this.cached.has(entity)) return;
    this.wanted.set(entity, Math.max(this.wanted.get(entity) ?? 0, priority));
  }
}
