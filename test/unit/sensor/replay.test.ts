/**
 * The replay pipeline (decode -> batcher -> publisher -> Bus) on the in-memory bus: every
 * packet arrives once, each source's packets in capture order and in one partition, each victim
 * copy once in its destination's partition, batches respect the count bound, and a heartbeat is
 * sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../../services/common/bus/memory-bus.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Packet, PacketBatch } from '../../../services/common/model.ts';
import { createLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { packetKey, PacketRouter } from '../../../services/sensor/packet-router.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { HeartbeatEmitter } from '../../../services/sensor/heartbeat.ts';
import { replayCaptures } from '../../../services/sensor/replay.ts';
import { CaptureFilter } from '../../../services/sensor/capture-filter.ts';
import { newCounters } from '../../../services/sensor/sensor-counters.ts';
import { loadSensorIdentity } from '../../../services/sensor/sensor-identity.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-sensor-state-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('replay into a bus', () => {
  it('delivers every packet once, in order per source, one partition per source', async () => {
    const files = [path.join(pcapDir, 'arpspoof/arp_mitm_bidirectional_gateway_and_host.pcapng'), path.join(pcapDir, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap')];
    const config = loadConfig({ env: {}, overrides: { 'sensor.batchMaxPackets': 100, 'sensor.stateDir': stateDir, 'kafka.partitions': 4 } });
    const logger = createLogger({ level: 'silent' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = new MemoryBus({ partitions: 4 });
    const identity = loadSensorIdentity(config.sensor);
    expect(loadSensorIdentity(config.sensor).id).toBe(identity.id);

    const received: Array<{ partition: number; batch: PacketBatch }> = [];
    const sub = await bus.consume({
      groupId: 'test',
      topics: [topicNames(config).packets],
      onBatch: async (b) => {
        for (const m of b.messages) received.push({ partition: b.partition, batch: await serde.decode('packetBatch', m.value) });
      },
    });
    const counters = newCounters();
    const heartbeat = new HeartbeatEmitter({
      bus, serde, topic: topicNames(config).heartbeats, identity, mode: 'replay', input: files.join(','), intervalMs: 30_000, counters, onError: (e) => { throw e; },
    });
    heartbeat.start();
    const result = await replayCaptures({ files: [...files, path.join(pcapDir, 'MANIFEST.md')], speed: Infinity, config, bus, serde, logger, identity, counters });
    await heartbeat.stop();
    expect(result.failedFiles).toHaveLength(1);
    expect(result.failedFiles[0].error).toMatch(/MANIFEST\.md: not a capture file at byte 0/);

    const expected: Packet[] = [];
    for (const f of files) for await (const ps of await openCaptureFile(f)) expected.push(...ps);
    expect(counters.packetsPublished).toBe(expected.length);

    const deadline = Date.now() + 10_000;
    while (received.reduce((n, r) => n + r.batch.packets.length, 0) < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();

    const beats: string[] = [];
    const hb = await bus.consume({
      groupId: 'hb',
      topics: [topicNames(config).heartbeats],
      onBatch: async (b) => {
        for (const m of b.messages) {
          const beat = await serde.decode('heartbeat', m.value);
          expect(m.key).toBe(identity.id);
          beats.push(`${beat.status}:${beat.packetsPublished}`);
        }
      },
    });
    // The heartbeats topic is compacted: the stopping beat may be the only one left.
    while (!beats.at(-1)?.startsWith('stopped:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await hb.stop();
    expect(beats.at(-1)).toBe(`stopped:${expected.length}`);

    const bySource = new Map<string, { partitions: Set<number>; ts: number[] }>();
    const copiesByVictim = new Map<string, { partitions: Set<number>; ts: number[] }>();
    let total = 0;
    for (const { partition, batch } of received) {
      expect(batch.packets.length).toBeLessThanOrEqual(100);
      expect(batch.sensorId).toBe(identity.id);
      for (const p of batch.packets) {
        if (p.victimCopy) {
          const entry = copiesByVictim.get(p.dst) ?? { partitions: new Set<number>(), ts: [] };
          entry.partitions.add(partition);
          entry.ts.push(p.ts);
          copiesByVictim.set(p.dst, entry);
          continue;
        }
        total++;
        const key = packetKey(p);
        const entry = bySource.get(key) ?? { partitions: new Set<number>(), ts: [] };
        entry.partitions.add(partition);
        entry.ts.push(p.ts);
        bySource.set(key, entry);
      }
    }
    expect(total).toBe(expected.length);
    const expectedBySource = new Map<string, number[]>();
    for (const p of expected) {
      const key = packetKey(p);
      expectedBySource.set(key, [...(expectedBySource.get(key) ?? []), p.ts]);
    }
    for (const [key, ts] of expectedBySource) {
      expect(bySource.get(key)?.partitions.size, key).toBe(1);
      expect(bySource.get(key)?.ts, key).toEqual(ts);
    }
    // The scan's SYNs (and the MITM capture's completions) are copied to their victims' partitions.
    const router = new PacketRouter(4);
    const expectedCopies = new Map<string, { partition: number; ts: number[] }>();
    for (const p of expected) {
      const partition = router.victimPartitionOf(p);
      if (partition < 0) continue;
      const entry = expectedCopies.get(p.dst) ?? { partition, ts: [] };
      entry.ts.push(p.ts);
      expectedCopies.set(p.dst, entry);
    }
    expect(expectedCopies.size).toBeGreaterThan(1);
    expect([...copiesByVictim.keys()].sort()).toEqual([...expectedCopies.keys()].sort());
    for (const [victim, { partition, ts }] of expectedCopies) {
      expect([...copiesByVictim.get(victim)!.partitions], victim).toEqual([partition]);
      expect(copiesByVictim.get(victim)!.ts, victim).toEqual(ts);
    }
  });

  it('publishes only the packets a --filter keeps, and counts only those as seen', async () => {
    const file = path.join(pcapDir, 'portscan/nmap_tcp_syn_scan_evilfingers.pcap');
    const config = loadConfig({ env: {}, overrides: { 'sensor.stateDir': stateDir, 'kafka.partitions': 2 } });
    const logger = createLogger({ level: 'silent' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = new MemoryBus({ partitions: 2 });
    const received: Packet[] = [];
    const sub = await bus.consume({
      groupId: 'filtered',
      topics: [topicNames(config).packets],
      onBatch: async (b) => {
        for (const m of b.messages) received.push(...(await serde.decode('packetBatch', m.value)).packets.filter((p) => !p.victimCopy));
      },
    });
    const filter = CaptureFilter.compile('ip and src host 192.168.1.25');
    const counters = newCounters();
    await replayCaptures({ files: [file], speed: Infinity, config, bus, serde, logger, identity: loadSensorIdentity(config.sensor), counters, filter });
    const all: Packet[] = [];
    for await (const ps of await openCaptureFile(file)) all.push(...ps);
    const kept = all.filter((p) => p.src === '192.168.1.25');
    const deadline = Date.now() + 10_000;
    while (received.length < kept.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();
    expect(kept.length).toBeGreaterThan(0);
    expect(received.map((p) => p.ts)).toEqual(kept.map((p) => p.ts));
    expect(received.every((p) => p.src === '192.168.1.25')).toBe(true);
    expect(counters.packetsSeen).toBe(kept.length);
    expect(filter.dropped).toBe(all.length - kept.length);
  });
});
