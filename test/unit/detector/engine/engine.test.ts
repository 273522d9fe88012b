import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Packet, PacketBatch } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { victimCopyOf } from '../../../../services/sensor/decode/packet-record.ts';
import { data, syn } from '../packets.ts';

const config = loadConfig({ env: {} });
const batch = (packets: Packet[]): PacketBatch => ({ sensorId: 's1', sensorHost: 'h', batchSeq: 0, packets });
/** A port scan: one SYN per port, 1 ms apart. */
const scan = Array.from({ length: 40 }, (_, i) => syn('10.0.0.5', '10.0.0.9', 1000 + i, 1_700_000_000_000 + i));

describe('DetectionEngine', () => {
  it('gives the same alerts however the stream is cut into batches', async () => {
    const whole = await new DetectionEngine(config, new MemoryStore(), 't').process(0, [{ offset: '0', batch: batch(scan) }]);
    const engine = new DetectionEngine(config, new MemoryStore(), 't');
    const parts = [];
    for (let i = 0; i < scan.length; i += 7) parts.push(...(await engine.process(0, [{ offset: String(i), batch: batch(scan.slice(i, i + 7)) }])).alerts);
    expect(parts.map((a) => [a.id, a.revision, a.category])).toEqual(whole.alerts.map((a) => [a.id, a.revision, a.category]));
    expect(whole.alerts[0].category).toBe('port_scan');
  });

  it('never creates state for a present-only key, and steps one that exists after a takeover', async () => {
    const store = new MemoryStore();
    const victim = 's:t:0:v:10.10.10.10';
    const t = 1_700_000_000_000;
    // Completions (victim copies of ACKs) at a host no SYN has reached: distributed-flood asks
    // for its victim state only if it exists, so a worker writes none.
    const traffic = Array.from({ length: 50 }, (_, i) => victimCopyOf(data(`198.51.100.${i}`, '10.10.10.10', 443, t + i, 100, 40_000 + i)));
    await new DetectionEngine(config, store, 't').process(0, [{ offset: '0', batch: batch(traffic) }]);
    expect(await store.get([victim])).toEqual([null]);
    // A SYN makes it; another worker (nothing live) then reads it for the completion alone and
    // marks the SYN's source in it.
    await new DetectionEngine(config, store, 't').process(0, [{ offset: '1', batch: batch([victimCopyOf(syn('198.51.100.1', '10.10.10.10', 443, t + 100, 41_000))]) }]);
    const [created] = await store.get([victim]);
    expect(created).not.toBeNull();
    await new DetectionEngine(config, store, 't').process(0, [{ offset: '2', batch: batch([victimCopyOf(data('198.51.100.1', '10.10.10.10', 443, t + 101, 100, 41_000))]) }]);
    const [completed] = await store.get([victim]);
    const services = (JSON.parse(completed!) as { d: Record<string, Array<[string, { sources: unknown[] }]>> }).d['distributed-flood'];
    expect(services[0][0]).toBe('tcp/443');
    // The window of SYN sources: values, then the marked positions.
    expect(services[0][1].sources[4]).toEqual(['198.51.100.1']);
    expect(services[0][1].sources[6]).toEqual([0]);
  });

  it('remembers a bounded number of keys known absent', async () => {
    // 100 partitions: each may remember its share of 100,000 keys, but at least 1,000.
    const engine = new DetectionEngine(config, new MemoryStore(), 't', { partitions: 100 });
    const t = 1_700_000_000_000;
    for (let b = 0; b < 3; b++) {
      // Data to 600 hosts no SYN reached: 600 present-only keys read and not found per batch.
      const traffic = Array.from({ length: 600 }, (_, i) => data('198.51.100.1', `10.${b}.${i >> 8}.${i & 255}`, 443, t + b * 1000 + i, 100, 40_000));
      await engine.process(0, [{ offset: String(b), batch: batch(traffic) }]);
    }
    expect(engine.knownAbsentKeys).toBeGreaterThan(0);
    expect(engine.knownAbsentKeys).toBeLessThanOrEqual(1_000);
  });

  it('does not count a redelivered batch twice and re-emits its stored alerts', async () => {
    const store = new MemoryStore();
    const engine = new DetectionEngine(config, store, 't');
    const first = await engine.process(0, [{ offset: '5', batch: batch(scan) }]);
    expect(first.alerts.length).toBeGreaterThan(0);
    // A second worker after a crash before the Kafka commit: same messages again.
    const again = await new DetectionEngine(config, store, 't').process(0, [{ offset: '5', batch: batch(scan) }]);
    expect(again.packets).toBe(0);
    expect(again.skippedMessages).toBe(1);
    expect(again.alerts).toEqual(first.alerts);
  });

  it('processes only the new part of a batch that overlaps the applied offset', async () => {
    const store = new MemoryStore();
    const engine = new DetectionEngine(config, store, 't');
    await engine.process(0, [{ offset: '1', batch: batch(scan.slice(0, 20)) }]);
    const overlap = await engine.process(0, [
      { offset: '1', batch: batch(scan.slice(0, 20)) },
      { offset: '2', batch: batch(scan.slice(20)) },
    ]);
    expect(overlap.skippedMessages).toBe(1);
    expect(overlap.packets).toBe(20);
  });

  it('silences allowlisted sources', async () => {
    const quiet = loadConfig({ env: {}, overrides: { 'detector.allowlist.addresses': ['10.0.0.0/24'] } });
    const result = await new DetectionEngine(quiet, new MemoryStore(), 't').process(0, [{ offset: '0', batch: batch(scan) }]);
    expect(result.alerts).toEqual([]);
    expect(result.suppressed).toBeGreaterThan(0);
  });

  it('applies suppression rules only until they expire (event time)', async () => {
    const rule = { category: 'port_scan', src: '10.0.0.5', dst: '*', reason: 'authorised pentest', expires: '2023-11-14T22:13:00Z' };
    const quiet = loadConfig({ env: {}, overrides: { 'detector.suppressions': [rule] } });
    // scan timestamps are 2023-11-14T22:13:20Z: after the expiry, so the scan is reported
    const result = await new DetectionEngine(quiet, new MemoryStore(), 't').process(0, [{ offset: '0', batch: batch(scan) }]);
    expect(result.alerts.length).toBeGreaterThan(0);
    const active = loadConfig({ env: {}, overrides: { 'detector.suppressions': [{ ...rule, expires: '2030-01-01T00:00:00Z' }] } });
    expect((await new DetectionEngine(active, new MemoryStore(), 't').process(0, [{ offset: '0', batch: batch(scan) }])).alerts).toEqual([]);
  });
  it('hands a partition back and forth between workers without stale cached state', async () => {
    const cut = (i: number) => [{ offset: String(i), batch: batch(scan.slice(i * 8, i * 8 + 8)) }];
    const single = new DetectionEngine(config, new MemoryStore(), 't');
    const expected = [];
    for (let i = 0; i < 5; i++) expected.push(...(await single.process(0, cut(i))).alerts);
    // Workers A and B share one store; A keeps its state in memory between its batches and
    // must notice that B advanced the partition in between (A, B, A, A, B).
    const store = new MemoryStore();
    const a = new DetectionEngine(config, store, 't');
    const b = new DetectionEngine(config, store, 't');
    const got = [];
    for (const [i, engine] of [a, b, a, a, b].entries()) got.push(...(await engine.process(0, cut(i))).alerts);
    expect(got.map((x) => [x.id, x.revision, x.count])).toEqual(expected.map((x) => [x.id, x.revision, x.count]));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('drops its cached state when a commit fails, so a retry starts from the store', async () => {
    const store = new MemoryStore();
    const engine = new DetectionEngine(config, store, 't');
    await engine.process(0, [{ offset: '0', batch: batch(scan.slice(0, 10)) }]);
    const commit = store.commit.bind(store);
    store.commit = async () => {
      throw new Error('redis down');
    };
    await expect(engine.process(0, [{ offset: '1', batch: batch(scan.slice(10, 20)) }])).rejects.toThrow('redis down');
    store.commit = commit;
    const retry = await engine.process(0, [{ offset: '1', batch: batch(scan.slice(10, 20)) }]);
    const reference = new DetectionEngine(config, new MemoryStore(), 't');
    await reference.process(0, [{ offset: '0', batch: batch(scan.slice(0, 10)) }]);
    const want = await reference.process(0, [{ offset: '1', batch: batch(scan.slice(10, 20)) }]);
    expect(retry.alerts.map((x) => [x.id, x.revision, x.count])).toEqual(want.alerts.map((x) => [x.id, x.revision, x.count]));
    expect(want.alerts.length).toBeGreaterThan(0);
  });
});
