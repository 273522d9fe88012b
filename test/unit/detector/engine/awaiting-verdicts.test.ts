/**
 * The partition's record of incidents awaiting an intel verdict (engine/awaiting-verdicts.ts)
 * and the revision a verdict makes of one (incidents.ts reviseOnVerdict). The whole loop, from
 * the lookup to the revised alert, is in test/unit/detector/intel/escalation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, IntelVerdict, Severity, Verdict } from '../../../../services/common/model.ts';
import { AwaitingVerdicts } from '../../../../services/detector/engine/awaiting-verdicts.ts';
import { reviseOnVerdict, type Incident } from '../../../../services/detector/engine/incidents.ts';
import { MULTIPLIER, unknownVerdict } from '../../../../services/detector/intel/tiers.ts';

const verdict = (entity: string, v: Verdict): IntelVerdict => ({ ...unknownVerdict(entity), verdict: v, source: 'virustotal', malicious: 5, multiplier: MULTIPLIER[v] });

function incident(sev: Severity, entity: string): Incident {
  const alert = { id: 'x', revision: 2, severity: sev, count: 7, intel: unknownVerdict(entity), title: 't' } as unknown as Alert;
  return { id: 'x', rev: 2, cat: 'port_scan', sev, first: 1_000, last: 5_000, n: 9, emitted: 4_000, a: alert };
}

describe('reviseOnVerdict', () => {
  it('makes the next revision with the raised severity, the verdict and the incident count', () => {
    const inc = incident('MEDIUM', '203.0.113.5');
    const alert = reviseOnVerdict(inc, verdict('203.0.113.5', 'HIGH'));
    expect(alert).toMatchObject({ revision: 3, severity: 'HIGH', count: 9, ts: 5_000, lastSeen: 5_000, intel: { verdict: 'HIGH' } });
    expect([inc.rev, inc.sev, inc.a]).toEqual([3, 'HIGH', undefined]);
    // Once: the incident no longer awaits.
    expect(reviseOnVerdict(inc, verdict('203.0.113.5', 'CRITICAL'))).toBeNull();
  });

  it('stops awaiting without a revision when the verdict raises nothing', () => {
    const critical = incident('CRITICAL', 'a.example');
    expect(reviseOnVerdict(critical, verdict('a.example', 'MEDIUM'))).toBeNull();
    expect([critical.rev, critical.sev, critical.a]).toEqual([2, 'CRITICAL', undefined]);
    const low = incident('LOW', 'b.example');
    expect(reviseOnVerdict(low, verdict('b.example', 'LOW'))).toBeNull();
    expect(low.a).toBeUndefined();
  });

  it('leaves an incident about another entity awaiting its own', () => {
    const inc = incident('LOW', '203.0.113.5');
    expect(reviseOnVerdict(inc, verdict('203.0.113.6', 'CRITICAL'))).toBeNull();
    expect(inc.a).toBeDefined();
  });
});

describe('AwaitingVerdicts', () => {
  it('starts at the log head when the partition has no record, and survives its JSON', () => {
    const fresh = AwaitingVerdicts.from(null, 42);
    expect(fresh.cursor).toBe(42);
    fresh.note('203.0.113.5', 'src:203.0.113.5', 1_000, 60_000);
    fresh.note('203.0.113.5', 'v:10.0.0.1', 1_500, 60_000);
    fresh.cursor = 50;
    const again = AwaitingVerdicts.from(fresh.toJSON(), 99);
    expect(again.cursor).toBe(50);
    expect(again.keysOf('203.0.113.5')).toEqual(['src:203.0.113.5', 'v:10.0.0.1']);
    expect(again.keysOf('203.0.113.6')).toEqual([]);
    again.forget('203.0.113.5');
    expect(again.entities).toBe(0);
  });

  it('a damaged record starts again at the head instead of failing the partition', () => {
    expect(AwaitingVerdicts.from('{"c":', 7).cursor).toBe(7);
  });

  it('forgets entities noted longer ago than an incident stays open', () => {
    const r = AwaitingVerdicts.from(null, 0);
    r.note('old', 'src:old', 0, 60_000);
    r.note('mid', 'src:mid', 30_000, 60_000);
    r.note('new', 'src:new', 70_000, 60_000);
    expect([r.keysOf('old'), r.keysOf('mid'), r.entities]).toEqual([[], ['src:mid'], 2]);
  });

  it('holds at most 10,000 entities and 64 keys each, dropping the least recently noted', () => {
    const r = AwaitingVerdicts.from(null, 0);
    for (let i = 0; i < 10_050; i++) r.note(`e${i}`, `src:e${i}`, i, 3_600_000);
    expect(r.entities).toBe(10_000);
    expect(r.keysOf('e49')).toEqual([]);
    expect(r.keysOf('e50')).toEqual(['src:e50']);
    for (let i = 0; i < 70; i++) r.note('busy', `v:${i}`, 20_000, 3_600_000);
    const keys = r.keysOf('busy');
    expect(keys).toHaveLength(64);
    expect(keys[0]).toBe('v:6');
  });
});
