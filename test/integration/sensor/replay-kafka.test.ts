/**
 * Replay a capture into the real Kafka (with the real schema registry) and consume every
 * packet back: nothing lost, each source's packets in capture order, heartbeats arrive.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import { loadConfig } from '../../../services/common/config/load.ts';
import type { Packet } from '../../../services/common/model.ts';
import { createLogger } from '../../../services/common/observability/logger.ts';
import { createSerde } from '../../../services/common/serde/create-serde.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { packetKey, PacketRouter } from '../../../services/sensor/packet-router.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { HeartbeatEmitter } from '../../../services/sensor/heartbeat.ts';
import { replayCaptures } from '../../../services/sensor/replay.ts';
import { newCounters } from '../../../services/sensor/sensor-counters.ts';
import { loadSensorIdentity } from '../../../services/sensor/sensor-identity.ts';
import { servicesEnv } from '../../setup/global-services.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const stateDir = mkdtempSync(path.join(tmpdir(), 'ns-sensor-it-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('replay into Kafka', () => {
  it('consumes back every packet, in order per source, and the heartbeats', async () => {
    const file = path.join(pcapDir, 'bruteforce/ftp_bruteforce_fast_ppa.pcap');
    const config = loadConfig({
      env: servicesEnv(inject('services')),
      overrides: { 'topics.prefix': `it-sensor-${randomUUID().slice(0, 8)}.`, 'sensor.stateDir': stateDir, 'kafka.partitions': 3 },
    });
    const logger = createLogger({ level: 'warn' });
    const serde = createSerde(config, logger);
    await serde.init();
    const bus = createKafkaBus(config, logger);
    const identity = loadSensorIdentity(config.sensor);
    const counters = newCounters();
    const topics = topicNames(config);
    try {
      const heartbeat = new HeartbeatEmitter({ bus, serde, topic: topics.heartbeats, identity, mode: 'replay', input: file, intervalMs: 30_000, counters, onError: (e) => logger.error(e) });
      heartbeat.start();
      const result = await replayCaptures({ files: [file], speed: Infinity, config, bus, serde, logger, identity, counters });
      await heartbeat.stop();
      expect(result.failedFiles).toEqual([]);

      const expected: Packet[] = [];
      for await (const ps of await openCaptureFile(file)) expected.push(...ps);
      expect(counters.packetsPublished).toBe(expected.length);

      const got = new Map<string, { partitions: Set<number>; ts: number[] }>();
      let total = 0;
      /** Victim copies by partition: the destination and time of each, in order. */
      const copies = new Map<number, string[]>();
      const beats: string[] = [];
      const packetsSub = await bus.consume({
        groupId: `it-sensor-${randomUUID()}`,
        topics: [topics.packets],
        fromBeginning: true,
        onBatch: async (b) => {
          for (const m of b.messages) {
            const batch = await serde.decode('packetBatch', m.value);
            for (const p of batch.packets) {
              if (p.victimCopy) {
                copies.set(b.partition, [...(copies.get(b.partition) ?? []), `${p.dst}@${p.ts}`]);
                continue;
              }
              total++;
              const key = packetKey(p);
              const e = got.get(key) ?? { partitions: new Set<number>(), ts: [] };
              e.partitions.add(b.partition);
              e.ts.push(p.ts);
              got.set(key, e);
            }
          }
        },
      });
      const beatsSub = await bus.consume({
        groupId: `it-sensor-hb-${randomUUID()}`,
        topics: [topics.heartbeats],
        fromBeginning: true,
        onBatch: async (b) => {
          for (const m of b.messages) {
            expect(m.key).toBe(identity.id);
            const beat = await serde.decode('heartbeat', m.value);
            beats.push(beat.status);
          }
        },
      });
      const router = new PacketRouter(3);
      const wantCopies = new Map<number, string[]>();
      for (const p of expected) {
        const partition = router.victimPartitionOf(p);
        if (partition >= 0) wantCopies.set(partition, [...(wantCopies.get(partition) ?? []), `${p.dst}@${p.ts}`]);
      }
      const count = (m: Map<number, string[]>): number => [...m.values()].reduce((n, list) => n + list.length, 0);
      const deadline = Date.now() + 60_000;
      while ((total < expected.length || count(copies) < count(wantCopies) || !beats.includes('stopped')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await packetsSub.stop();
      await beatsSub.stop();

      expect(total).toBe(expected.length);
      expect(beats).toContain('running');
      expect(beats).toContain('stopped');
      const want = new Map<string, number[]>();
      for (const p of expected) want.set(packetKey(p), [...(want.get(packetKey(p)) ?? []), p.ts]);
      for (const [key, ts] of want) {
        expect(got.get(key)?.partitions.size, key).toBe(1);
        expect(got.get(key)?.ts, key).toEqual(ts);
      }
      // The brute force's SYNs and completions, copied to the server's partition, in order.
      expect(wantCopies.size).toBeGreaterThan(0);
      expect(copies).toEqual(wantCopies);
    } finally {
      await bus.close();
    }
  });
});
