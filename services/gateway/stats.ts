/** The statistics of /api/stats and the "stats" WebSocket event, derived from the store's raw counts. */
import type { RawStats } from './store/port.ts';
import { computeThreat, type Threat } from './threat-level.ts';

export interface Stats extends RawStats {
  threat: Threat;
  /** Alert activity of the last 5 minutes (the seed's "N/5min"). */
  last5Minutes: number;
  topCategories: Array<{ category: string; count: number }>;
  generatedAt: number;
}

export function deriveStats(raw: RawStats, threatWindowMinutes: number, now: number): Stats {
  return {
    ...raw,
    byCategory: Object.fromEntries(Object.entries(raw.byCategory).slice(0, 20)),
    threat: computeThreat(raw.timelineBySeverity, threatWindowMinutes),
    last5Minutes: raw.timeline.slice(-5).reduce((s, n) => s + n, 0),
    topCategories: Object.entries(raw.byCategory)
      .slice(0, 14)
      .map(([category, count]) => ({ category, count })),
    generatedAt: now,
  };
}
