/**
 * A worker folds a partition in steps, and while one step's commit is on its way to the store it
 * decodes the next and asks for that step's state (DetectionEngine.prefetch, via
 * ProcessOptions.whileCommitting). Checked here: the same alerts and the same stored partition as
 * steps run one after the other, with a live set small enough that blobs leave it at every
 * commit (so the prefetch must read what the commit before it wrote); and a prefetched snapshot
 * that another worker's commit made stale is not folded on, the step being decided again from
 * the store.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import type { Alert, Packet } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { type BatchMessage, DetectionEngine, type Prefetch } from '../../../../services/detector/engine/engine.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');
const config = loadConfig({ env: {} });
const STEP = 400;

async function packetsOf(...files: string[]): Promise<Packet[]> {
  const all: Packet[] = [];
  for (const file of files) for await (const chunk of await openCaptureFile(join(PCAPS, file))) all.push(...chunk);
  return all;
}

/** One message per step of STEP packets, offsets 0, 1, ... */
function steps(packets: Packet[]): BatchMessage[][] {
  const out: BatchMessage[][] = [];
  for (let i = 0; i < packets.length; i += STEP) {
    out.push([{ offset: String(out.length), batch: { sensorId: 's', sensorHost: 'h', batchSeq: out.length, packets: packets.slice(i, i + STEP) } }]);
  }
  return out;
}

const newEngine = (store: MemoryStore) => new DetectionEngine(config, store, 't', { cacheMaxKeys: 20, partitions: 1 });

async function sequential(all: BatchMessage[][], store: MemoryStore): Promise<Alert[]> {
  const engine = newEngine(store);
  const alerts: Alert[] = [];
  for (const messages of all) alerts.push(...(await engine.process(0, messages)).alerts);
  return alerts;
}

/** As the worker runs: each step's successor prefetched while the step commits. */
async function pipelined(all: BatchMessage[][], store: MemoryStore): Promise<{ alerts: Alert[]; prefetches: number }> {
  const engine = newEngine(store);
  const alerts: Alert[] = [];
  let prefetched: Prefetch | undefined;
  let prefetches = 0;
  for (let i = 0; i < all.length; i++) {
    const whileCommitting = async (): Promise<void> => {
      prefetched = i + 1 < all.length ? engine.prefetch(0, all[i + 1]) : undefined;
      if (prefetched) prefetches++;
    };
    alerts.push(...(await engine.process(0, all[i], { prefetched, whileCommitting })).alerts);
  }
  return { alerts, prefetches };
}

describe('a step prefetched while the one before commits', () => {
  it('gives the same alerts and stored partition as steps run one after the other', async () => {
    const all = steps(await packetsOf('synflood/syn_flood_spoofed_random_sources_stopddos.pcap', 'portscan/nmap_tcp_syn_scan_evilfingers.pcap'));
    expect(all.length).toBeGreaterThan(10);
    const oneByOne = new MemoryStore();
    const overlapped = new MemoryStore();
    const expected = await sequential(all, oneByOne);
    const run = await pipelined(all, overlapped);
    expect(run.prefetches).toBe(all.length - 1);
    expect(expected.length).toBeGreaterThan(0);
    expect(run.alerts).toEqual(expected);
    expect(overlapped.size).toBe(oneByOne.size);
    const ref = { stream: 't', partition: 0 };
    expect(await overlapped.load(ref, [])).toEqual(await oneByOne.load(ref, []));
  });

  it('is not folded on when another worker committed the partition since: the step is decided again from the store', async () => {
    const all = steps(await packetsOf('portscan/nmap_tcp_syn_scan_evilfingers.pcap'));
    expect(all.length).toBeGreaterThanOrEqual(3);
    const store = new MemoryStore();
    const a = newEngine(store);
    await a.process(0, all[0]);
    let prefetched: Prefetch | undefined;
    await a.process(0, all[1], { whileCommitting: async () => void (prefetched = a.prefetch(0, all[2])) });
    // Another worker takes the partition over and applies step 2 first.
    const b = newEngine(store);
    const byB = await b.process(0, all[2]);
    const byA = await a.process(0, all[2], { prefetched });
    // A finds step 2 applied and re-emits B's outbox instead of folding its stale snapshot.
    expect(byA.skippedMessages).toBe(1);
    expect(byA.packets).toBe(0);
    expect(byA.alerts).toEqual(byB.alerts);
    expect((await store.load({ stream: 't', partition: 0 }, [])).applied).toBe('2');
  });
});
