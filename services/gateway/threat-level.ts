/**
 * The threat level of the Overview gauge. Unlike the seed's (cumulative since start, so one
 * CRITICAL pinned it forever), it looks only at alert activity (new incidents and new
 * revisions, by severity) in the last threatWindowMinutes one-minute buckets. First match:
 *   CRITICAL  at least one CRITICAL
 *   HIGH      at least 5 HIGH
 *   ELEVATED  at least one HIGH, or at least 3 MEDIUM
 *   NORMAL    otherwise (LOW never raises the level)
 */
import type { SeverityCounts } from './store/port.ts';

export const THREAT_LEVELS = ['NORMAL', 'ELEVATED', 'HIGH', 'CRITICAL'] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

export interface Threat {
  level: ThreatLevel;
  /** Gauge fill, percent. */
  score: number;
  windowMinutes: number;
  counts: SeverityCounts;
}

const SCORE: Record<ThreatLevel, number> = { NORMAL: 15, ELEVATED: 45, HIGH: 75, CRITICAL: 100 };

export function threatLevel(counts: SeverityCounts): ThreatLevel {
  if (counts.CRITICAL > 0) return 'CRITICAL';
  if (counts.HIGH >= 5) return 'HIGH';
  if (counts.HIGH > 0 || counts.MEDIUM >= 3) return 'ELEVATED';
  return 'NORMAL';
}

/** timelineBySeverity: oldest first, the last bucket is the current minute. */
export function computeThreat(timelineBySeverity: SeverityCounts[], windowMinutes: number): Threat {
  const counts: SeverityCounts = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
  for (const bucket of timelineBySeverity.slice(-windowMinutes)) {
    counts.LOW += bucket.LOW;
    counts.MEDIUM += bucket.MEDIUM;
    counts.HIGH += bucket.HIGH;
    counts.CRITICAL += bucket.CRITICAL;
  }
  const level = threatLevel(counts);
  return { level, score: SCORE[level], windowMinutes, counts };
}
