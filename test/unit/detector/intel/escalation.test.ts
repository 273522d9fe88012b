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
import { metricsRegistry } from '../../../../services/common/observability/metrics.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine, INTEL_QUEUE } from '../../../../services/detector/engine/engine.ts';
import { startIntelLookups } from '../../../../services/detector/intel/lookup-loop.ts';
import { intelCacheKey, VERDICT_LOG } from '../../../../services/detector/intel/view.ts';
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

/** netsentinel_intel_cache_hits_total for a verdict. */
async function cacheHits(verdict: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('netsentinel_intel_cache_hits_total')?.get();
  return metric?.values.find((v) => v.labels.verdict === verdict)?.value ?? 0;
}

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
  const table: Array<[string, Record<string, unknown> | null, string, number, string, string]> = [
    // name, cached stats, verdict, threshold = max(1, ceil(15 x multiplier)), severity from base
    // LOW, the seed's title suffix
    ['malicious >= 9: CRITICAL x0.10, forced CRITICAL', { malicious: 9, suspicious: 2 }, 'CRITICAL', 2, 'CRITICAL', '  [VT:CRITICAL — 9 malicious, 2 suspicious]'],
    ['malicious >= 3: HIGH x0.25, +1 level', { malicious: 3 }, 'HIGH', 4, 'MEDIUM', '  [VT:HIGH — 3 malicious]'],
    ['malicious >= 1: MEDIUM x0.50, +1 level', { malicious: 1 }, 'MEDIUM', 8, 'MEDIUM', '  [VT:MEDIUM — 1 malicious]'],
    ['suspicious >= 5: MEDIUM x0.50, +1 level', { suspicious: 5 }, 'MEDIUM', 8, 'MEDIUM', '  [VT:MEDIUM — 5 suspicious]'],
    ['reputation < -10: LOW x0.75, unchanged', { reputation: -11 }, 'LOW', 12, 'LOW', '  [VT:LOW — rep=-11]'],
    ['otherwise CLEAN x1.0', { suspicious: 4, reputation: -10 }, 'CLEAN', 15, 'LOW', ''],
    ['404 (unknown to VirusTotal) is CLEAN', { notFound: true }, 'CLEAN', 15, 'LOW', ''],
    ['not looked up yet: UNKNOWN x1.0', null, 'UNKNOWN', 15, 'LOW', ''],
  ];
  for (const [name, stats, verdict, threshold, severity, suffix] of table) {
    it(name, async () => {
      const hitsBefore = await cacheHits(verdict);
      const { alert, packetsToFire } = await firstAlert(stats);
      // Every step of the scan found the cached verdict (none is cached for UNKNOWN).
      expect((await cacheHits(verdict)) - hitsBefore).toBe(stats === null ? 0 : packetsToFire);
      expect(packetsToFire).toBe(threshold);
      expect(alert.evidence.threshold).toBe(threshold);
      expect(alert.evidence.baseThreshold).toBe(15);
      expect(alert.severity).toBe(severity);
      expect(alert.intel?.verdict).toBe(verdict);
      expect(alert.title).toBe(`Port scan: ${ATTACKER} probed ${threshold} ports on 10.0.0.9 in 10 s${suffix}`);
    });
  }

  it('an internal address, never looked up, is CLEAN, not UNKNOWN, and queues nothing', async () => {
    const store = new MemoryStore();
    const engine = new DetectionEngine(config(), store, 't');
    const inside = Array.from({ length: 16 }, (_, i) => syn('10.0.0.66', '10.0.0.9', 1000 + i, T0 + i));
    const { alerts } = await engine.process(0, [{ offset: '1', batch: batch(inside) }]);
    expect(alerts.map((a) => [a.src, a.intel.verdict, a.title.includes('[VT')])).toEqual([['10.0.0.66', 'CLEAN', false]]);
    expect(await store.queuePop(INTEL_QUEUE, 10)).toEqual([]);
  });

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

  describe('a verdict that arrives after the attack stopped (SPEC D2.8)', () => {
    const QUIET = '10.0.0.77';
    /** Unrelated traffic in the same partition after the scan: a step with nothing of the attacker. */
    const later = (ms: number) => batch([syn(QUIET, '10.0.0.9', 443, T0 + ms)]);

    /** A scan from `attacker`, alerted before any lookup; `answer` null: VirusTotal answers 404. */
    async function scanned(answer: Record<string, number> | null, attacker = ATTACKER) {
      if (answer === null) vt.answers.delete(attacker);
      else vt.answers.set(attacker, answer);
      const store = new MemoryStore();
      const cfg = config();
      const engine = new DetectionEngine(cfg, store, 't');
      const packets = Array.from({ length: 16 }, (_, i) => syn(attacker, '10.0.0.9', 1000 + i, T0 + i));
      const first = await engine.process(0, [{ offset: '1', batch: batch(packets) }]);
      const loop = startIntelLookups(cfg, store, silentLogger, { autostart: false });
      return { store, cfg, engine, first, loop };
    }

    it('revises the alert once with the severity and verdict the tier gives, whichever worker owns the partition next', async () => {
      const { store, cfg, engine, first, loop } = await scanned({ malicious: 12 });
      expect(first.alerts.map((a) => [a.category, a.severity, a.intel.verdict, a.revision])).toEqual([['port_scan', 'LOW', 'UNKNOWN', 0]]);
      // The attack is over; the verdict arrives in between two steps.
      expect(await engine.process(0, [{ offset: '2', batch: later(60_000) }])).toMatchObject({ alerts: [] });
      expect(await loop.tick()).toBe('looked-up');
      // Another worker takes the partition over: the record and the incident come from the store.
      const takeover = new DetectionEngine(cfg, store, 't');
      const third = await takeover.process(0, [{ offset: '3', batch: later(61_000) }]);
      expect(third.alerts).toHaveLength(1);
      const revised = third.alerts[0];
      // Count and last seen are the incident's: the 16th port counted in it without an alert.
      expect(revised).toMatchObject({ id: first.alerts[0].id, revision: 1, category: 'port_scan', severity: 'CRITICAL', count: 2, lastSeen: T0 + 15, src: ATTACKER });
      expect(revised.intel).toMatchObject({ verdict: 'CRITICAL', entity: ATTACKER, malicious: 12, source: 'virustotal' });
      expect(revised.ts).toBe(revised.lastSeen);
      expect(revised.title).toBe(`${first.alerts[0].title}  [VT:CRITICAL — 12 malicious]`);
      expect(revised.evidence).toEqual(first.alerts[0].evidence);
      // Redelivered, the step gives the same revision from its outbox; later steps give none.
      expect((await takeover.process(0, [{ offset: '3', batch: later(61_000) }])).alerts).toEqual([revised]);
      expect((await takeover.process(0, [{ offset: '4', batch: later(62_000) }])).alerts).toEqual([]);
      expect((await engine.process(0, [{ offset: '5', batch: later(63_000) }])).alerts).toEqual([]);
    });

    it('raises a HIGH verdict one level and leaves incidents of other entities alone', async () => {
      const other = '198.51.100.7';
      const { engine, first, loop } = await scanned({ malicious: 3 });
      const otherScan = Array.from({ length: 16 }, (_, i) => syn(other, '10.0.0.9', 2000 + i, T0 + 100 + i));
      const second = await engine.process(0, [{ offset: '2', batch: batch(otherScan) }]);
      expect(second.alerts.map((a) => a.src)).toEqual([other]);
      vt.answers.set(other, { malicious: 0, harmless: 70 });
      // Highest priority first: both are at 16/15; the attacker was queued first with the same score.
      expect(await loop.tick()).toBe('looked-up');
      expect(await loop.tick()).toBe('looked-up');
      expect(vt.requestsFor(other)).toBeGreaterThan(0);
      const third = await engine.process(0, [{ offset: '3', batch: later(60_000) }]);
      expect(third.alerts.map((a) => [a.id, a.revision, a.severity, a.intel.verdict])).toEqual([[first.alerts[0].id, 1, 'MEDIUM', 'HIGH']]);
    });

    it('revises nothing for a verdict that raises no severity (LOW, CLEAN, 404)', async () => {
      const raisingNothing: Array<Record<string, number> | null> = [{ reputation: -50 }, { harmless: 80 }, null];
      for (const [i, answer] of raisingNothing.entries()) {
        const attacker = `203.0.113.${100 + i}`;
        const { store, engine, loop } = await scanned(answer, attacker);
        expect(await loop.tick()).toBe('looked-up');
        expect(vt.requestsFor(attacker)).toBe(1);
        // Not even logged: only verdicts that raise a severity go to the log the partitions read.
        expect((await store.readLog(VERDICT_LOG, 0, 10)).head).toBe(0);
        expect((await engine.process(0, [{ offset: '2', batch: later(60_000) }])).alerts).toEqual([]);
      }
    });
  });
});
