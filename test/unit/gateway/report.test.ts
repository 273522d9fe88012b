import { describe, expect, it } from 'vitest';
import { buildReport, parseDuration, riskLevel } from '../../../services/gateway/report.ts';
import type { StoredAlert } from '../../../services/gateway/store/port.ts';
import { makeAlert } from './fixtures.ts';

async function* stored(alerts: ReturnType<typeof makeAlert>[]): AsyncIterable<StoredAlert> {
  for (const alert of alerts) yield { alert, state: 'new', stateBy: null, stateAt: null, receivedAt: 0, updatedAt: 0 };
}

describe('report', () => {
  it("applies the seed's risk level rules", () => {
    const s = (CRITICAL: number, HIGH: number, MEDIUM: number, LOW: number) => ({ CRITICAL, HIGH, MEDIUM, LOW });
    expect(riskLevel(s(1, 0, 0, 0))).toBe('CRITICAL');
    expect(riskLevel(s(0, 3, 0, 0))).toBe('HIGH');
    expect(riskLevel(s(0, 2, 0, 0))).toBe('MEDIUM');
    expect(riskLevel(s(0, 0, 4, 0))).toBe('MEDIUM');
    expect(riskLevel(s(0, 0, 1, 0))).toBe('LOW');
    expect(riskLevel(s(0, 0, 0, 9))).toBe('CLEAN');
  });

  it('has the 0xNullVector shape, events sorted by severity, recommendations for every category present', async () => {
    const report = await buildReport(stored([makeAlert({ severity: 'LOW', category: 'port_scan' }), makeAlert({ severity: 'HIGH', category: 'tor_usage' })]), { since: 0, until: 3_600_000, version: '9.9.9', sensors: [], generatedAt: 0, host: 'h' });
    expect(report.report_metadata).toMatchObject({ tool: 'NetSentinel', version: '9.9.9', hostname: 'h', analysis_duration_seconds: 3600 });
    expect(report.executive_summary).toMatchObject({ total_threats: 2, by_severity: { HIGH: 1, LOW: 1 }, by_mitre_tactic: { Discovery: 2 }, risk_level: 'MEDIUM' });
    expect(report.threat_events.map((e) => e.severity)).toEqual(['HIGH', 'LOW']);
    expect(report.threat_events[0].threat_type).toBe('TOR_USAGE');
    expect(report.recommendations).toEqual([...report.recommendations].sort());
    expect(report.recommendations).toContain('Block Tor exit nodes and known Tor ports at the firewall level.');
    // unlike the seed, a scan-only period still gets advice
    expect(report.recommendations.some((r) => r.includes('scanning host'))).toBe(true);
    const empty = await buildReport(stored([]), { since: 0, until: 1, version: 'x', sensors: [] });
    expect(empty.recommendations).toEqual(['Continue monitoring — no immediate threats detected.', 'Ensure firewall egress rules are up to date.']);
    expect(empty.executive_summary.risk_level).toBe('CLEAN');
  });

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1w')).toBeNull();
    expect(parseDuration('h')).toBeNull();
  });
});
