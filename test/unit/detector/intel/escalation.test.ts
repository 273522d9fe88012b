/**
 * The seed's VirusTotal tiers applied by the engine: a verdict in the shared cache lowers the
 * threshold to max(1, ceil(base x multiplier)) and raises the severity; and the whole loop —
 * a detector near its threshold queues the entity, the lookup loop asks the local
 * VirusTotal-format server, the next batch sees the verdict — without the packet path waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Alert, DnsInfo, Packet, PacketBatch } from '../../../../services/common/model.ts';
import { silentLogger } from '../../../../services/common/observability/logger.ts';
import { metricsRegistry } from '../../../../services/common/observability/metrics.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine, INTEL_QUEUE } from '../../../../services/detector/engine/engine.ts';
import { startIntelLookups } from '../../../../services/detector/intel/lookup-loop.ts';
import { intelCacheKey, VERDICT_LOG } from '../../../../services/detector/intel/view.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../../support/fake-virustotal.ts';
import { packet, syn } from '../packets.ts';

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
const dnsQuery = (qname: string, qtype: number): DnsInfo => ({ id: 1, response: false, opcode: 0, rcode: 0, qname, qtype, questionCount: 1, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 });
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
      // LOW lowers thresholds, so it is logged for the counts that fell short (below); CLEAN and
      // 404 change nothing and are not even logged.
      const raisingNothing: Array<[Record<string, number> | null, number]> = [[{ reputation: -50 }, 1], [{ harmless: 80 }, 0], [null, 0]];
      for (const [i, [answer, logged]] of raisingNothing.entries()) {
        const attacker = `203.0.113.${100 + i}`;
        const { store, engine, loop } = await scanned(answer, attacker);
        expect(await loop.tick()).toBe('looked-up');
        expect(vt.requestsFor(attacker)).toBe(1);
        expect((await store.readLog(VERDICT_LOG, 0, 10)).head).toBe(logged);
        expect((await engine.process(0, [{ offset: '2', batch: later(60_000) }])).alerts).toEqual([]);
      }
    });
  });

  describe('a verdict that arrives after a count fell short of its threshold', () => {
    const QUIET = '10.0.0.78';
    const later = (ms: number) => batch([syn(QUIET, '10.0.0.9', 443, T0 + ms)]);

    /** `ports` ports scanned by `attacker`: past half the threshold of 15, so its lookup is asked; no alert. */
    async function fellShort(answer: Record<string, number>, ports: number, attacker: string) {
      vt.answers.set(attacker, answer);
      const store = new MemoryStore();
      const cfg = config();
      const engine = new DetectionEngine(cfg, store, 't');
      const packets = Array.from({ length: ports }, (_, i) => syn(attacker, '10.0.0.9', 1000 + i, T0 + i));
      expect((await engine.process(0, [{ offset: '1', batch: batch(packets) }])).alerts).toEqual([]);
      const loop = startIntelLookups(cfg, store, silentLogger, { autostart: false });
      return { store, cfg, engine, loop };
    }

    it('raises, once, the alert the verdict would have raised when the count was reached, whichever worker owns the partition next', async () => {
      const attacker = '203.0.113.120';
      const { store, cfg, engine, loop } = await fellShort({ malicious: 3 }, 10, attacker);
      // The scan is over; the verdict (HIGH: threshold 15 x 0.25 = 4, one level up) comes in between two steps.
      expect((await engine.process(0, [{ offset: '2', batch: later(60_000) }])).alerts).toEqual([]);
      expect(await loop.tick()).toBe('looked-up');
      const takeover = new DetectionEngine(cfg, store, 't');
      const third = await takeover.process(0, [{ offset: '3', batch: later(61_000) }]);
      expect(third.alerts).toHaveLength(1);
      const raised = third.alerts[0];
      expect(raised).toMatchObject({ revision: 0, category: 'port_scan', severity: 'MEDIUM', src: attacker, ts: T0 + 9, firstSeen: T0 + 9, lastSeen: T0 + 9, count: 1 });
      expect(raised.evidence).toMatchObject({ count: 10, threshold: 4, baseThreshold: 15 });
      expect(raised.intel).toMatchObject({ verdict: 'HIGH', entity: attacker, malicious: 3 });
      expect(raised.title).toBe(`Port scan: ${attacker} probed 10 ports on 10.0.0.9 in 10 s  [VT:HIGH — 3 malicious]`);
      // Redelivered, the step gives the same alert from its outbox; later steps give none.
      expect((await takeover.process(0, [{ offset: '3', batch: later(61_000) }])).alerts).toEqual([raised]);
      expect((await takeover.process(0, [{ offset: '4', batch: later(62_000) }])).alerts).toEqual([]);
      // The scan goes on: the incident the verdict opened is updated, not opened again.
      const more = Array.from({ length: 3 }, (_, i) => syn(attacker, '10.0.0.9', 2000 + i, T0 + 63_000 + i));
      const went = await takeover.process(0, [{ offset: '5', batch: batch(more) }]);
      expect(went.alerts.every((a) => a.id !== raised.id || a.revision > 0)).toBe(true);
    });

    it('raises only what the threshold the verdict gives reaches (LOW x0.75 = 12, MEDIUM x0.50 = 8, CLEAN x1.0)', async () => {
      const cases: Array<[Record<string, number>, number, string | null]> = [
        [{ reputation: -50 }, 11, null],
        [{ reputation: -50 }, 12, 'LOW'],
        [{ malicious: 1 }, 8, 'MEDIUM'],
        [{ harmless: 80 }, 14, null],
      ];
      for (const [i, [answer, ports, severity]] of cases.entries()) {
        const attacker = `203.0.113.${130 + i}`;
        const { engine, loop } = await fellShort(answer, ports, attacker);
        expect(await loop.tick()).toBe('looked-up');
        const { alerts } = await engine.process(0, [{ offset: '2', batch: later(60_000) }]);
        expect(alerts.map((a) => [a.src, a.severity, a.evidence.count])).toEqual(severity === null ? [] : [[attacker, severity, ports]]);
      }
    });

    it('raises a brute force and a DNS tunnel that fell short (the verdict of a source, of a registrable domain)', async () => {
      const attacker = '203.0.113.150';
      const domain = 'tunnel-short.example';
      vt.answers.set(attacker, { malicious: 4 });
      vt.answers.set(domain, { malicious: 10 });
      const store = new MemoryStore();
      const cfg = config();
      const engine = new DetectionEngine(cfg, store, 't');
      // 20 SSH attempts of the 30 in 30 s; 7 TXT queries of long names of the 10 suspicious
      // queries under one domain, from an internal client (its resolver is the destination).
      const ssh = Array.from({ length: 20 }, (_, i) => syn(attacker, '10.0.0.9', 22, T0 + i * 1000, 40_000 + i));
      const txt = Array.from({ length: 7 }, (_, i) =>
        packet({ src: '10.0.0.5', dst: '10.0.0.53', protocol: 17, srcPort: 50_000 + i, dstPort: 53, ts: (T0 + i * 1000) * 1000, dns: dnsQuery(`${'q7x9k2m4p8w3z6v1'.repeat(4)}${i}.${domain}`, 16) }),
      );
      const first = await engine.process(0, [{ offset: '1', batch: batch([...ssh, ...txt].sort((x, y) => x.ts - y.ts)) }]);
      expect(first.alerts).toEqual([]);
      const loop = startIntelLookups(cfg, store, silentLogger, { autostart: false });
      expect(await loop.tick()).toBe('looked-up');
      expect(await loop.tick()).toBe('looked-up');
      const { alerts } = await engine.process(0, [{ offset: '2', batch: later(120_000) }]);
      const byCategory = Object.fromEntries(alerts.map((a) => [a.category, a]));
      expect(Object.keys(byCategory).sort()).toEqual(['brute_force', 'dns_tunnelling']);
      // HIGH (4 malicious): 30 x 0.25 = 8; the brute-force base severity HIGH goes one level up.
      expect(byCategory.brute_force).toMatchObject({ src: attacker, severity: 'CRITICAL', evidence: { count: 20, threshold: 8, baseThreshold: 30 }, intel: { verdict: 'HIGH' } });
      // CRITICAL (10 malicious): max(1, 10 x 0.10) = 1, and the severity is CRITICAL whatever the base.
      expect(byCategory.dns_tunnelling).toMatchObject({ src: '10.0.0.5', dst: domain, severity: 'CRITICAL', evidence: { count: 7, threshold: 1, baseThreshold: 10 }, intel: { verdict: 'CRITICAL', entity: domain } });
    });

    it('is dropped once the count reached the threshold without the verdict: the verdict revises that alert instead', async () => {
      const attacker = '203.0.113.140';
      const { engine, loop } = await fellShort({ malicious: 3 }, 10, attacker);
      const rest = Array.from({ length: 6 }, (_, i) => syn(attacker, '10.0.0.9', 1010 + i, T0 + 10 + i));
      const alerted = await engine.process(0, [{ offset: '2', batch: batch(rest) }]);
      expect(alerted.alerts.map((a) => [a.severity, a.intel.verdict, a.evidence.count])).toEqual([['LOW', 'UNKNOWN', 15]]);
      expect(await loop.tick()).toBe('looked-up');
      const { alerts } = await engine.process(0, [{ offset: '3', batch: later(60_000) }]);
      expect(alerts.map((a) => [a.id, a.revision, a.severity, a.intel.verdict])).toEqual([[alerted.alerts[0].id, 1, 'MEDIUM', 'HIGH']]);
    });
  });
});
