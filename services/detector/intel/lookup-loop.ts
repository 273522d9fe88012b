/**
 * Spends the VirusTotal quota shared by every worker (StateStore.popWithQuota: requestsPerMinute
 * and requestsPerDay across all workers) on the entities detectors asked about, highest
 * priority first (StateStore queue: entities closest to a threshold). Results go to the shared
 * cache that the engine reads with each batch; the packet path never waits for this loop.
 * Wall-clock time is right here: it paces an external API, it decides no detection.
 */
import type { Config } from '../../common/config/schema.ts';
import type { Logger } from '../../common/observability/logger.ts';
import { counter } from '../../common/observability/metrics.ts';
import type { StateStore } from '../../common/state/port.ts';
import { INTEL_QUEUE } from '../engine/engine.ts';
import { lowersThreshold, tierOf } from './tiers.ts';
import { intelCacheKey, VERDICT_LOG, verdictLogEntry, type CachedVerdict } from './view.ts';
import { lookupVirusTotal } from './virustotal.ts';

/** Verdict-log entries kept: a day of the default quota (500). A partition further behind misses the rest. */
const VERDICT_LOG_MAX = 1_000;

const lookups = counter('netsentinel_intel_lookups_total', 'VirusTotal lookups by outcome.', ['outcome']);

export interface IntelLoop {
  stop(): void;
  /** Resolves after one pass (tests). */
  tick(): Promise<'idle' | 'quota' | 'looked-up' | 'disabled'>;
}

export function startIntelLookups(config: Readonly<Config>, store: StateStore, logger: Logger, options: { intervalMs?: number; now?: () => number; autostart?: boolean } = {}): IntelLoop {
  const vt = config.intel.virustotal;
  const now = options.now ?? Date.now;
  let disabled = vt.apiKey === '';
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | null = null;
  const windows = [
    { windowMs: 60_000, max: vt.requestsPerMinute },
    { windowMs: 86_400_000, max: vt.requestsPerDay },
  ];

  async function tick(): Promise<'idle' | 'quota' | 'looked-up' | 'disabled'> {
    if (disabled) return 'disabled';
    if (now() < pausedUntil) return 'quota';
    // One atomic step, so the workers spend the shared quota in priority order.
    const popped = await store.popWithQuota(INTEL_QUEUE, 'virustotal', windows, now());
    if (popped.outcome === 'empty') return 'idle';
    if (popped.outcome === 'denied') {
      pausedUntil = now() + Math.min(popped.retryAfterMs, 60_000);
      return 'quota';
    }
    const item = popped.item;
    // Workers queue only uncached entities, so a unit is spent on a cached one only when two
    // workers queued it within one lookup; asking VirusTotal again would spend a second.
    const [cached] = await store.get([intelCacheKey(item.member)]);
    if (cached !== null) return 'looked-up';
    const result = await lookupVirusTotal(item.member, vt);
    lookups.inc({ outcome: result.status });
    if (result.status === 'ok') {
      const value: CachedVerdict = { ...result.stats, source: 'virustotal' };
      const ttl = result.stats.malicious >= 3 ? vt.maliciousCacheTtlSeconds : vt.cacheTtlSeconds;
      await store.set(intelCacheKey(item.member), JSON.stringify(value), ttl * 1000);
      // After the cache, so a step that reads this entry finds the verdict. Only verdicts that
      // lower a threshold can raise a count that fell short (and of those, the ones that raise a
      // severity revise an incident already reported).
      if (lowersThreshold(tierOf(result.stats))) await store.appendLog(VERDICT_LOG, verdictLogEntry(item.member, value), VERDICT_LOG_MAX, 86_400_000);
    } else if (result.status === 'not-found') {
      const value: CachedVerdict = { malicious: 0, suspicious: 0, reputation: 0, source: 'virustotal', notFound: true };
      await store.set(intelCacheKey(item.member), JSON.stringify(value), vt.negativeCacheTtlSeconds * 1000);
    } else if (result.status === 'rate-limited') {
      await store.queuePush(INTEL_QUEUE, [item], vt.queueMax, 86_400_000);
      pausedUntil = now() + 60_000;
      logger.warn('VirusTotal answered 429 (quota exceeded): pausing lookups for 60 s');
    } else if (result.status === 'unauthorized') {
      disabled = true;
      logger.error('VirusTotal rejected the API key (401): lookups disabled until restart; fix intel.virustotal.apiKey / VIRUSTOTAL_API_KEY');
    } else {
      await store.queuePush(INTEL_QUEUE, [{ member: item.member, score: item.score / 2 }], vt.queueMax, 86_400_000);
      logger.warn({ entity: item.member, reason: result.message }, 'VirusTotal lookup failed; will retry');
    }
    return 'looked-up';
  }

  const interval = options.intervalMs ?? 1000;
  const loop = (): void => {
    timer = setTimeout(() => {
      tick().then(
        () => loop(),
        (err: unknown) => {
          logger.warn({ err }, 'intel lookup pass failed');
          loop();
        },
      );
    }, interval);
    timer.unref();
  };
  if (!disabled && options.autostart !== false) loop();
  return {
    stop: () => {
      if (timer) clearTimeout(timer);
      disabled = true;
    },
    tick,
  };
}
