import { describe, expect, it } from 'vitest';
import { computeThreat, threatLevel } from '../../../services/gateway/threat-level.ts';

const c = (CRITICAL: number, HIGH: number, MEDIUM: number, LOW: number) => ({ CRITICAL, HIGH, MEDIUM, LOW });

describe('threat level', () => {
  it('follows the documented rules, first match wins; LOW never raises it', () => {
    expect(threatLevel(c(1, 0, 0, 0))).toBe('CRITICAL');
    expect(threatLevel(c(0, 5, 0, 0))).toBe('HIGH');
    expect(threatLevel(c(0, 4, 0, 0))).toBe('ELEVATED');
    expect(threatLevel(c(0, 0, 3, 0))).toBe('ELEVATED');
    expect(threatLevel(c(0, 0, 2, 0))).toBe('NORMAL');
    expect(threatLevel(c(0, 0, 0, 10_000))).toBe('NORMAL');
  });

  it('looks only at the last windowMinutes buckets, so an old CRITICAL decays', () => {
    const buckets = Array.from({ length: 60 }, () => c(0, 0, 0, 0));
    buckets[30] = c(1, 0, 0, 0);
    expect(computeThreat(buckets, 15).level).toBe('NORMAL');
    expect(computeThreat(buckets, 30).level).toBe('CRITICAL');
    buckets[59] = c(0, 1, 0, 0);
    expect(computeThreat(buckets, 15)).toEqual({ level: 'ELEVATED', score: 45, windowMinutes: 15, counts: c(0, 1, 0, 0) });
  });
});
