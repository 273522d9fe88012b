/**
 * The seed's VirusTotal tiers applied by the engine: a verdict in the shared cache lowers the
 * threshold to max(1, ceil(base x multiplier)) and raises the severity; and the whole loop —
 * a detector near its threshold queues the entity, the lookup loop asks the local
 * VirusTotal-format server, the next batch sees the verdict — without the packet path waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Alert, Packet, PacketBatch } from '../../../../services/common/model.ts';
import { silentLogger } from '../../../../services/common/observability/logger.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { startIntelLookups } from '../../../../services/detector/intel/lookup-loop.ts';
import { intelCacheKey } from '../../../../services/detector/intel/view.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../../support/fake-virustotal.ts';
import { syn } from '../packets.ts';

let vt: FakeVirusTotal;
beforeAll(async () => {
  vt = await startFakeVirusTotal();
});
afterAll(() => vt.close());

const ATTACKER = '203.0.113.66';
const T0 = 1_700_000_000_000;
const batch = (packets: Packet[]): PacketBatch => ({ sensorId: 's', sensorHost: 'h', batchSeq: 0, packets });
/** One SYN per port from a public attacker; base port-scan threshold 15, base severity LOW. */
const scan = (n: number, from = 0) => Array.from({ length: n }, (_, i) => syn(ATTACKER, '10.0.0.9', 1000 + from + i, T0 + from + i));
const config = () =>
  loadConfig({ env: {}, overrides: { 'intel.virustotal.apiKey': vt.apiKey, 'intel.virustotal.baseUrl': vt.baseUrl, 'detector.portScan.severity': 'LOW' } });

async function firstAlert(stats: Record<string, unknown> | null): Promise<{ alert: Alert; packetsToFire: number }> {
  const store = new MemoryStore();
  if (stats) await store.set(intelCacheKey(ATTACKER), JSON.stringify({ malicious: 0, suspicious: 0, reputation: 0, source: 'virustotal', ...stats }), 3_600_000);
  const engine = new DetectionEngine(config(), store, 't');
  for (let n = 1; n <= 20; n++) {
    const result = await engine.process(0, [{ offset: String(n), batch: batch(scan(1, n - 1)) }]);
    if (result.alerts.length > 0) return { alert: result.alerts[0], packetsToFire: n };
  }
  throw new Error('no alert in 20 ports');
}

describe('VirusTotal tiers and escalation in the engine', () => {
  const table: Array<[string, Record<string, unknown> | null, string, number, string]> = [
    // name, cached stats, verdict, threshold = max(1, ceil(15 x multiplier)), severity from base LOW
    ['malicious >= 9: CRITICAL x0.10, forced CRITICAL', { malicious: 9 }, 'CRITICAL', 2, 'CRITICAL'],
    ['malicious >= 3: HIGH x0.25, +1 level', { malicious: 3 }, 'HIGH', 4, 'MEDIUM'],
    ['malicious >= 1: MEDIUM x0.50, +1 level', { malicious: 1 }, 'MEDIUM', 8, 'MEDIUM'],
    ['suspicious >= 5: MEDIUM x0.50, +1 level', { suspicious: 5 }, 'MEDIUM', 8, 'MEDIUM'],
    ['reputation < -10: LOW x0.75, unchanged', { reputation: -11 }, 'LOW', 12, 'LOW'],
    ['otherwise CLEAN x1.0', { suspicious: 4, reputation: -10 }, 'CLEAN', 15, 'LOW'],
    ['404 (unknown to VirusTotal) is CLEAN', { notFound: true }, 'CLEAN', 15, 'LOW'],
    ['not looked up yet: UNKNOWN x1.0', null, 'UNKNOWN', 15, 'LOW'],
  ];
  for (const [name, stats, verdict, threshold, severity] of table) {
    it(name, async () => {
      const { alert, packetsToFire } = await firstAlert(stats);
      expect(packetsToFire).toBe(threshold);
      expect(alert.evidence.threshold).toBe(threshold);
      expect(alert.evidence.baseThreshold).toBe(15);
      expect(alert.severity).toBe(severity);
      expect(alert.intel?.verdict).toBe(verdict);
    });
  }

  it('a detector near its threshold queues a lookup; the next batch uses the verdict', async () => {
    vt.answers.set(ATTACKER, { malicious: 12 });
    const store = new MemoryStore();
    const cfg = config();
    const engine = new DetectionEngine(cfg, store, 't');
    const before = vt.requests.length;
    // 8 of 15 ports: past half the threshold, no alert; the engine does not wait for VirusTotal.
    const first = await engine.process(0, [{ offset: '1', batch: batch(scan(8)) }]);
    expect(first.alerts).toEqual([]);
    expect(vt.requests.length).toBe(before);
    const loop = startIntelLookups(cfg, store, silentLogger, { autostart: false });
    expect(await loop.tick()).toBe('looked-up');
    expect(vt.requestsFor(ATTACKER)).toBe(1);
    const second = await engine.process(0, [{ offset: '2', batch: batch(scan(1, 8)) }]);
    expect(second.alerts.map((a) => [a.category, a.severity, a.intel?.verdict, a.evidence.threshold])).toEqual([['port_scan', 'CRITICAL', 'CRITICAL', 2]]);
  });
});
