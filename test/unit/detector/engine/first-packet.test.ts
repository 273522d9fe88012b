/**
 * A new key's first packet is kept instead of the detector states it would create when no
 * detector it is keyed to can report on it (engine/first-packet.ts). Checked two ways on every
 * labelled capture: each detector's quietFirst() promise on every packet (a quiet first step
 * returns null and calls nothing on ctx), and the engine's alerts with and without keeping,
 * field for field, in small batches with a tiny live cache, so that kept packets go through
 * the store as JSON and come back before their key's second packet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { DETECTOR_PACKET_FIELDS, type Alert, type Packet } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import type { Detector, DetectorContext } from '../../../../services/detector/detector.ts';
import { DETECTORS } from '../../../../services/detector/detectors/index.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { unknownVerdict } from '../../../../services/detector/intel/tiers.ts';
import { CidrSet } from '../../../../services/detector/net.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { syn } from '../packets.ts';
import { keepPacket, keptPacket } from '../../../../services/detector/engine/first-packet.ts';
import { PackedPacket, PackedPackets } from '../../../../services/common/packed-packet.ts';
import { detectorFields } from '../../../support/detector-fields.ts';
import { runPartitioned } from './partitioned-run.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');
const FILES = (JSON.parse(readFileSync(join(PCAPS, 'manifest.json'), 'utf8')) as { files: Array<{ file: string }> }).files.map((f) => join(PCAPS, f.file));
const config = loadConfig({ env: {}, overrides: { 'detector.tor.feedFile': join(import.meta.dirname, '../../../fixtures/tor-relays.txt') } });

/** A packet's DetectorPacket fields. */

async function packetsOf(file: string): Promise<Packet[]> {
  const all: Packet[] = [];
  for await (const chunk of await openCaptureFile(file)) all.push(...chunk);
  return all;
}

/**
 * The engine's alerts for these packets: partitioned as the sensor does, batches of `size` per
 * partition, a live cache of one blob per partition (or of every blob: `cacheMaxKeys`), the
 * packets as objects or packed (as a worker decodes them: one cursor object, a copy kept).
 */
async function alertsOf(packets: Packet[], keepFirstPackets: boolean, size = 40, packed = false, cacheMaxKeys = 3): Promise<Alert[]> {
  const partitions = 3;
  const engine = new DetectionEngine(config, new MemoryStore(), 't', { keepFirstPackets, cacheMaxKeys, partitions });
  return runPartitioned(engine, packets, partitions, size, undefined, packed);
}

describe('keeping a new key\'s first packet', () => {
  it('is only done where quietFirst holds: the first step returns null and asks nothing of ctx, on every packet of the labelled captures', async () => {
    let calls = 0;
    const ctx: DetectorContext = {
      config: config.detector,
      internal: new CidrSet(config.detector.internalNetworks),
      torRelays: new CidrSet([]),
      verdict: (entity) => {
        calls++;
        return unknownVerdict(entity);
      },
      wantIntel: () => void calls++,
      absorbed: () => {
        calls++;
        return false;
      },
    };
    const detectors = DETECTORS as ReadonlyArray<Detector<unknown>>;
    const quiet = new Map<string, number>();
    for (const file of FILES) {
      for (const p of await packetsOf(file)) {
        for (const d of detectors) {
          if (d.quietFirst === undefined || d.keyOf(p, ctx) === null || !d.quietFirst(p, config.detector)) continue;
          expect(d.step(d.create(ctx), p, ctx), `${d.name} on ${file}`).toBeNull();
          expect(calls, `${d.name} on ${file}`).toBe(0);
          quiet.set(d.name, (quiet.get(d.name) ?? 0) + 1);
        }
      }
    }
    expect([...quiet.keys()].sort()).toEqual(['beacon', 'brute-force', 'exfiltration', 'host-sweep', 'icmp-flood', 'port-scan', 'syn-flood']);
  }, 120_000);

  it('gives the alerts of an engine that creates every state at once, on every labelled capture', async () => {
    let withAlerts = 0;
    for (const file of FILES) {
      const packets = await packetsOf(file);
      const kept = await alertsOf(packets, true);
      expect(kept, file).toEqual(await alertsOf(packets, false));
      if (kept.length > 0) withAlerts++;
    }
    expect(withAlerts).toBeGreaterThanOrEqual(30);
  }, 300_000);

  it('gives the same alerts from packed packets (one cursor object, the kept packet copied) as from objects, on every labelled capture', async () => {
    let withAlerts = 0;
    for (const file of FILES) {
      const packets = await packetsOf(file);
      // Kept packets that leave memory and come back, and kept packets that stay live.
      const objects = await alertsOf(packets, true, 40, false, 1_000_000);
      expect(await alertsOf(packets, true, 40, true, 1_000_000), file).toEqual(objects);
      expect(await alertsOf(packets, true, 40, true), file).toEqual(objects);
      if (objects.length > 0) withAlerts++;
    }
    expect(withAlerts).toBeGreaterThanOrEqual(30);
  }, 300_000);

  it('keeps one record per source of a spoofed flood instead of four detectors\' state, and creates it when a source comes back', async () => {
    const t0 = 1_700_000_000_000;
    const first = Array.from({ length: 300 }, (_, s) => syn(`198.18.${s >> 8}.${s & 255}`, '10.10.10.10', 80, t0 + s, 1024 + s));
    const store = new MemoryStore();
    const engine = new DetectionEngine(config, store, 't', { cacheMaxKeys: 10 });
    await engine.process(0, [{ offset: '0', batch: { sensorId: 's', sensorHost: 'h', batchSeq: 0, packets: first } }]);
    const stored = (key: string) => JSON.parse((store as unknown as { entries: Map<string, { value: string }> }).entries.get(key)!.value) as { d: Record<string, unknown>; f?: unknown[] };
    const one = stored(`s:t:0:src:${first[0].src}`);
    expect(one.d).toEqual({});
    expect(one.f).toHaveLength(32);
    // So too when the packets come packed, through one cursor object (as a worker decodes them).
    const packedStore = new MemoryStore();
    const packedEngine = new DetectionEngine(config, packedStore, 't', { cacheMaxKeys: 10 });
    const packed = new PackedPackets(first.length);
    for (const p of first) packed.append(p, p.victimCopy);
    await packedEngine.process(0, [{ offset: '0', batch: { sensorId: 's', sensorHost: 'h', batchSeq: 0, packets: packed } }]);
    const packedEntries = (packedStore as unknown as { entries: Map<string, { value: string }> }).entries;
    expect(JSON.parse(packedEntries.get(`s:t:0:src:${first[0].src}`)!.value)).toEqual(one);
    // The source's second SYN, after its blob left memory: the four detectors' state, built from both.
    await engine.process(0, [{ offset: '1', batch: { sensorId: 's', sensorHost: 'h', batchSeq: 1, packets: [syn(first[0].src, '10.10.10.10', 81, t0 + 400, 5000)] } }]);
    const both = stored(`s:t:0:src:${first[0].src}`);
    expect(both.f).toBeUndefined();
    expect(Object.keys(both.d).sort()).toEqual(['beacon', 'host-sweep', 'port-scan', 'syn-flood']);
    expect(JSON.stringify(both.d['port-scan'])).toContain('[80,81]');
  });

  it('revives a packet kept before Packet.smbRpc and victimCopy existed (30 values) with their defaults', () => {
    const p = syn('198.18.0.1', '10.10.10.10', 80, 1_700_000_000_000, 1024);
    const kept = keepPacket({ ...p, smbRpc: 'share:ADMIN$', victimCopy: true });
    expect(kept).toHaveLength(32);
    expect(detectorFields(keptPacket(kept))).toEqual(detectorFields({ ...p, smbRpc: 'share:ADMIN$', victimCopy: true }));
    expect(detectorFields(keptPacket(kept.slice(0, 30)))).toEqual(detectorFields({ ...p, smbRpc: null, victimCopy: false }));
  });

  it('keeps the layout of every Packet field (null for those a DetectorPacket lacks) and revives what a worker decodes', () => {
    const p: Packet = { ...syn('198.18.0.1', '10.10.10.10', 80, 1_700_000_000_000, 1024), srcMac: '02:00:00:00:00:09', ttl: 51, tcpSeq: 77, tlsSni: 'x.example' };
    // An earlier worker kept every field, in this order.
    const FULL = ['ts', 'length', 'capLength', 'ifIndex', 'linkType', 'srcMac', 'dstMac', 'vlanIds', 'etherType', 'ipVersion', 'src', 'dst', 'protocol', 'ttl', 'ipLength', 'fragment', 'fragmentOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'tcpAck', 'tcpWindow', 'payloadLength', 'icmpType', 'icmpCode', 'tlsSni', 'httpHost', 'communityId', 'decodeFlags', 'smbRpc', 'victimCopy'] as const;
    const byEarlierWorker = FULL.map((f) => p[f]);
    expect(detectorFields(keptPacket(byEarlierWorker))).toEqual(detectorFields(p));
    const kept = keepPacket(p);
    expect(kept).toEqual(FULL.map((f) => ((DETECTOR_PACKET_FIELDS as readonly string[]).includes(f) ? p[f] : null)));
    const revived = keptPacket(JSON.parse(JSON.stringify(kept)) as unknown[]);
    expect(detectorFields(revived)).toEqual(detectorFields(p));
    // The class of a decoded packet: one hidden class in the detectors.
    expect(revived).toBeInstanceOf(PackedPacket);
  });

  it('keeps every field a DetectorPacket has but arp and dns, each in its place', () => {
    // A value of its own in every field, so that a field written in the wrong place or not at all shows.
    const p = { ...syn('198.18.0.1', '10.10.10.10', 80, 1_700_000_000_000, 1024), length: 1234, ipLength: 1200, fragment: false, fragmentOffset: 7, tcpFlags: 0x1ff, payloadLength: 99, icmpType: 3, icmpCode: 5, communityId: '1:abc=', smbRpc: 'share:C$', victimCopy: true };
    const FULL = ['ts', 'length', 'capLength', 'ifIndex', 'linkType', 'srcMac', 'dstMac', 'vlanIds', 'etherType', 'ipVersion', 'src', 'dst', 'protocol', 'ttl', 'ipLength', 'fragment', 'fragmentOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'tcpAck', 'tcpWindow', 'payloadLength', 'icmpType', 'icmpCode', 'tlsSni', 'httpHost', 'communityId', 'decodeFlags', 'smbRpc', 'victimCopy'] as const;
    const kept = DETECTOR_PACKET_FIELDS.filter((f) => f !== 'arp' && f !== 'dns');
    expect(keepPacket(p)).toEqual(FULL.map((f) => ((kept as readonly string[]).includes(f) ? p[f] : null)));
  });
});
