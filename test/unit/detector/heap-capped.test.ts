import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Full collections of test/support/heap-churn.ts in a thread capped at 384 MB (a fresh process each: the flag is process-wide). */
function majorCollections(growingPercent: number): number {
  const out = execFileSync('node', ['--import', 'tsx', 'test/support/heap-churn.ts', '384', String(growingPercent)], { encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(out) as { majorCollections: number }).majorCollections;
}

describe('heapCappedLimits', () => {
  it('spaces full collections of a capped thread by detector.heapGrowingPercent', () => {
    const v8Default = majorCollections(0);
    const spaced = majorCollections(200);
    expect(spaced).toBeGreaterThan(0);
    // V8's own factor at a 384 MB cap is about ×1.35 (25 collections here, against 8 at ×3).
    expect(v8Default).toBeGreaterThanOrEqual(2 * spaced);
  }, 120_000);
});
