/**
 * A VirusTotal verdict that arrives after the attack stopped still revises its alert (SPEC
 * D2.8), on the real pipeline: a scan is replayed into Kafka and alerted by two workers while
 * no lookup has run (its attacker is external here, so its verdict is UNKNOWN); then the lookup
 * loop asks the local VirusTotal-format server, and the next batch of the attacker's partition
 * (an empty one, as a live sensor sends to a quiet partition) brings the revision: same id,
 * next revision, the severity the CRITICAL tier forces, the verdict. And a scan that fell short
 * of its threshold before its verdict was known is alerted when the verdict lowers it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../../services/common/config/schema.ts';
import { TcpFlag, type Packet } from '../../../services/common/model.ts';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import { silentLogger } from '../../../services/common/observability/logger.ts';
import { createRedisStore } from '../../../services/common/state/redis-store.ts';
import { topicNames } from '../../../services/common/topics.ts';
import { startIntelLookups } from '../../../services/detector/intel/lookup-loop.ts';
import { victimCopyOf } from '../../../services/sensor/decode/packet-record.ts';
import { PacketRouter } from '../../../services/sensor/packet-router.ts';
import { packet } from '../../unit/detector/packets.ts';
import { startFakeVirusTotal, type FakeVirusTotal } from '../../support/fake-virustotal.ts';
import { dropRedisKeys, isolation, logger, newSerde, pcap, pipelineConfig, readAlerts, replay, waitGroupCaughtUp } from './pipeline.ts';
import { startWorkers } from './workers.ts';

const ATTACKER = '192.168.1.10';

let vt: FakeVirusTotal;
beforeAll(async () => {
  vt = await startFakeVirusTotal();
});
afterAll(() => vt.close());

/** PacketBatch messages produced as a sensor would: each under its Kafka key. */
async function produceBatches(config: Readonly<Config>, batches: Array<{ key: string; packets: Packet[] }>): Promise<void> {
  const serde = await newSerde(config);
  const bus = createKafkaBus(config, logger);
  try {
    const messages = batches.map(({ key, packets }, i) => ({ key, value: serde.encode('packetBatch', { sensorId: 'it-sensor', sensorHost: 'it', batchSeq: i + 1, packets }) }));
    await bus.produce(topicNames(config).packets, messages);
  } finally {
    await bus.close();
  }
}

/**
 * An isolated pipeline whose workers look verdicts up in the local VirusTotal-format server
 * (only 10.0.0.0/8 is internal, so the attackers of these tests are looked up), two workers,
 * and a store for the lookup loop the test ticks.
 */
async function withVirusTotal(tag: string) {
  const config = pipelineConfig(inject('services'), {
    ...isolation(tag),
    'detector.internalNetworks': ['10.0.0.0/8'],
    'intel.virustotal.apiKey': vt.apiKey,
    'intel.virustotal.baseUrl': vt.baseUrl,
  });
  const workers = await startWorkers(config, 2);
  return { config, workers, lookupStore: createRedisStore(config, `it-${tag}-lookups`) };
}

describe('a verdict after the attack (real Kafka, registry and Redis)', () => {
  it('revises the alert the scan made, once, at the next batch of its partition', async () => {
    vt.answers.set(ATTACKER, { malicious: 14 });
    const { config, workers, lookupStore } = await withVirusTotal('verdict');
    try {
      await replay(config, [pcap('portscan/nmap_xmas_scan_evilfingers.pcap')], 0);
      expect(await waitGroupCaughtUp(config, 60_000)).toBe(true);
      const before = (await readAlerts(config)).map((d) => d.alert);
      expect(before.map((a) => [a.category, a.src, a.severity, a.intel.verdict, a.revision])).toEqual([['port_scan', ATTACKER, 'HIGH', 'UNKNOWN', 0]]);

      // The lookup, after the attack: the verdict is logged for the partitions.
      const loop = startIntelLookups(config, lookupStore, silentLogger, { autostart: false });
      expect(await loop.tick()).toBe('looked-up');
      expect(vt.requestsFor(ATTACKER)).toBe(1);

      // The attacker went quiet: its partition gets only the empty batch a live sensor sends to a
      // partition that got none for sensor.idleBatchSeconds (Batcher#emitIdle, keyed to land there).
      const router = new PacketRouter(config.kafka.partitions);
      await produceBatches(config, [{ key: router.keyOfPartition(router.partitionOfKey(ATTACKER)), packets: [] }]);
      expect(await waitGroupCaughtUp(config, 60_000)).toBe(true);
      const after = (await readAlerts(config)).map((d) => d.alert);
      expect(after).toHaveLength(2);
      const revised = after[1];
      expect(revised).toMatchObject({ id: before[0].id, revision: 1, category: 'port_scan', src: ATTACKER, severity: 'CRITICAL', firstSeen: before[0].firstSeen });
      // The incident's count: the probes after its first alert were counted in it without one.
      expect(revised.count).toBeGreaterThan(before[0].count);
      expect(revised.intel).toMatchObject({ entity: ATTACKER, verdict: 'CRITICAL', malicious: 14, source: 'virustotal' });
    } finally {
      await workers.stop();
      await lookupStore.close();
      await dropRedisKeys(config);
    }
  });

  it('raises a scan that fell short of its threshold when the verdict that lowers it comes after the scan', async () => {
    const attacker = '198.51.100.23';
    const victim = '10.0.0.9';
    // HIGH (4 malicious): the port-scan threshold 15 x 0.25 = 4, its severity HIGH one level up.
    vt.answers.set(attacker, { malicious: 4 });
    const { config, workers, lookupStore } = await withVirusTotal('verdict-short');
    try {
      // 10 SYNs to 10 ports (a sensor's batch keyed by the source, and their victim copies
      // keyed by the victim): short of 15, past half of it, so the lookup is asked for.
      const t0 = Date.UTC(2026, 0, 1) * 1000;
      const probes = Array.from({ length: 10 }, (_, i) => packet({ src: attacker, dst: victim, srcPort: 41_000, dstPort: 1000 + i, tcpFlags: TcpFlag.SYN, ts: t0 + i * 1_000_000 }));
      await produceBatches(config, [
        { key: attacker, packets: probes },
        { key: victim, packets: probes.map((p) => victimCopyOf(p)) },
      ]);
      expect(await waitGroupCaughtUp(config, 60_000)).toBe(true);
      expect(await readAlerts(config)).toEqual([]);

      const loop = startIntelLookups(config, lookupStore, silentLogger, { autostart: false });
      expect(await loop.tick()).toBe('looked-up');
      const router = new PacketRouter(config.kafka.partitions);
      await produceBatches(config, [{ key: router.keyOfPartition(router.partitionOfKey(attacker)), packets: [] }]);
      expect(await waitGroupCaughtUp(config, 60_000)).toBe(true);
      const alerts = (await readAlerts(config)).map((d) => d.alert);
      expect(alerts.map((a) => [a.category, a.src, a.severity, a.revision, a.intel.verdict])).toEqual([['port_scan', attacker, 'CRITICAL', 0, 'HIGH']]);
      expect(alerts[0].evidence).toMatchObject({ count: 10, threshold: 4, baseThreshold: 15 });
      expect(alerts[0].ts).toBe(t0 / 1000 + 9000);
    } finally {
      await workers.stop();
      await lookupStore.close();
      await dropRedisKeys(config);
    }
  });
});
