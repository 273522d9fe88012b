import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Runs test/support/heap-churn.ts (a thread capped at 384 MB, a fresh process each: the flag is
 * process-wide) with V8's GC tracing, and returns the growing factor of every old-generation
 * limit V8 set and how many full collections the thread took. The factors are deterministic;
 * the count depends on the machine's load (concurrent marking), so it is only checked loosely.
 */
function run(growingPercent: number): { factors: number[]; majorCollections: number } {
  const out = execFileSync('node', ['--trace-gc-verbose', '--import', 'tsx', 'test/support/heap-churn.ts', '384', String(growingPercent)], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  const factors = [...out.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \((\d+(?:\.\d+)?)\)/g)].map((m) => Number(m[1]));
  const result = out.split('\n').find((line) => line.startsWith('{"majorCollections"'));
  return { factors, majorCollections: (JSON.parse(result ?? '{"majorCollections":-1}') as { majorCollections: number }).majorCollections };
}

describe('heapCappedLimits', () => {
  it('makes V8 grow a capped thread\'s old generation by detector.heapGrowingPercent between full collections', () => {
    const spaced = run(200);
    const v8Default = run(0);
    expect(spaced.factors.length).toBeGreaterThan(0);
    expect(new Set(spaced.factors)).toEqual(new Set([3]));
    // V8's own factor for a 384 MB heap: about ×1.4 (×4 only for heaps of 2 GB and more).
    expect(Math.min(...v8Default.factors)).toBeLessThan(2);
    expect(spaced.majorCollections).toBeGreaterThan(0);
    expect(v8Default.majorCollections).toBeGreaterThan(spaced.majorCollections);
  }, 120_000);
});
