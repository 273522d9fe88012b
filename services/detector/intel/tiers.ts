/**
 * The seed's VirusTotal tiers (SPEC A5): how a verdict lowers thresholds and raises severity.
 *   CRITICAL  malicious >= 9                       x0.10  severity forced to CRITICAL
 *   HIGH      malicious >= 3                       x0.25  +1 level
 *   MEDIUM    malicious >= 1 or suspicious >= 5    x0.50  +1 level
 *   LOW       reputation < -10                     x0.75  unchanged
 *   CLEAN     otherwise, not cached, or no key     x1.00  unchanged
 */
import type { IntelVerdict, Severity, Verdict } from '../../common/model.ts';

export interface IntelStats {
  malicious: number;
  suspicious: number;
  reputation: number;
}

export const MULTIPLIER: Readonly<Record<Verdict, number>> = { CRITICAL: 0.1, HIGH: 0.25, MEDIUM: 0.5, LOW: 0.75, CLEAN: 1, UNKNOWN: 1 };

/**
 * MULTIPLIER[verdict], as a switch: the detectors ask for every packet they judge, and a lookup
 * by a computed key in an object of six names is a slow, generic property load to V8.
 */
function multiplierOf(verdict: Verdict): number {
  switch (verdict) {
    case 'CRITICAL':
      return MULTIPLIER.CRITICAL;
    case 'HIGH':
      return MULTIPLIER.HIGH;
    case 'MEDIUM':
      return MULTIPLIER.MEDIUM;
    case 'LOW':
      return MULTIPLIER.LOW;
    case 'CLEAN':
      return MULTIPLIER.CLEAN;
    default:
      return MULTIPLIER.UNKNOWN;
  }
}

export function tierOf(stats: IntelStats): Verdict {
  if (stats.malicious >= 9) return 'CRITICAL';
  if (stats.malicious >= 3) return 'HIGH';
  if (stats.malicious >= 1 || stats.suspicious >= 5) return 'MEDIUM';
  if (stats.reputation < -10) return 'LOW';
  return 'CLEAN';
}

export function adjustThreshold(base: number, verdict: Verdict): number {
  return Math.max(1, Math.ceil(base * multiplierOf(verdict)));
}

const ORDER: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Whether a verdict raises an alert's severity (the tiers CRITICAL, HIGH and MEDIUM). */
export function raisesSeverity(verdict: Verdict): boolean {
  return verdict === 'CRITICAL' || verdict === 'HIGH' || verdict === 'MEDIUM';
}

/** Whether a verdict lowers thresholds (every tier but CLEAN; UNKNOWN is no verdict). */
export function lowersThreshold(verdict: Verdict): boolean {
  return multiplierOf(verdict) < 1;
}

export function adjustSeverity(base: Severity, verdict: Verdict): Severity {
  if (!raisesSeverity(verdict)) return base;
  if (verdict === 'CRITICAL') return 'CRITICAL';
  return ORDER[Math.min(ORDER.length - 1, ORDER.indexOf(base) + 1)];
}

export function severityRank(severity: Severity): number {
  return ORDER.indexOf(severity);
}

export function unknownVerdict(entity: string): IntelVerdict {
  return { verdict: 'UNKNOWN', entity, source: '', malicious: 0, suspicious: 0, reputation: 0, multiplier: 1 };
}

export function verdictOf(entity: string, source: string, stats: IntelStats): IntelVerdict {
  const verdict = tierOf(stats);
  return { verdict, entity, source, ...stats, multiplier: MULTIPLIER[verdict] };
}

/**
 * The seed's message suffix for the verdict an alert used (SPEC A5 vt_context_suffix):
 * "  [VT:HIGH — 5 malicious]", the non-zero counts of malicious and suspicious engines, or the
 * reputation when both are zero (the LOW tier); "  [feed:<file> — listed]" for a feed hit;
 * nothing for CLEAN or UNKNOWN.
 */
export function verdictSuffix(intel: IntelVerdict): string {
  if (intel.verdict === 'CLEAN' || intel.verdict === 'UNKNOWN') return '';
  if (intel.source.startsWith('feed:')) return `  [${intel.source} — listed]`;
  const parts = [];
  if (intel.malicious > 0) parts.push(`${intel.malicious} malicious`);
  if (intel.suspicious > 0) parts.push(`${intel.suspicious} suspicious`);
  return `  [VT:${intel.verdict} — ${parts.length > 0 ? parts.join(', ') : `rep=${intel.reputation}`}]`;
}
