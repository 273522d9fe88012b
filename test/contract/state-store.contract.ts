/**
 * The one behaviour both StateStore adapters must have (services/common/state/port.ts). Run by
 * test/unit/common/state/memory-store.test.ts and, against a real redis-server,
 * test/integration/common/state/redis-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PartitionCommit, StateStore } from '../../services/common/state/port.ts';

export interface StateStoreFixture {
  store: StateStore;
  /** Let wall-clock time pass for TTLs (a fake clock for memory, a real wait for Redis). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

let unique = 0;

export function stateStoreContract(name: string, open: () => Promise<StateStoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fx: StateStoreFixture;
    let stream: string;
    beforeEach(async () => {
      fx = await open();
      stream = `t${Date.now()}-${unique++}`;
    });
    afterEach(async () => {
      await fx.close();
    });

    const commit = (over: Partial<PartitionCommit>): PartitionCommit => ({
      ref: { stream, partition: 0 },
      expectedApplied: null,
      applied: '9',
      writes: [],
      deletes: [],
      outbox: '[]',
      metaTtlMs: 60_000,
      ...over,
    });

    it('starts empty: no applied offset, no outbox, absent keys are null', async () => {
      const snap = await fx.store.load({ stream, partition: 0 }, [`${stream}:a`, `${stream}:b`]);
      expect(snap).toEqual({ applied: null, outbox: null, awaiting: null, values: [null, null] });
    });

    it('keeps the awaiting record across commits that give none, and replaces it with one that does', async () => {
      const ref = { stream, partition: 0 };
      await fx.store.commit(commit({ applied: '1', awaiting: '{"c":1}' }));
      expect((await fx.store.load(ref, [])).awaiting).toBe('{"c":1}');
      await fx.store.commit(commit({ expectedApplied: '1', applied: '2' }));
      expect((await fx.store.load(ref, [])).awaiting).toBe('{"c":1}');
      // A fenced-off commit changes the record no more than the state.
      expect(await fx.store.commit(commit({ expectedApplied: '1', applied: '3', awaiting: '{"c":9}' }))).toBe('conflict');
      await fx.store.commit(commit({ expectedApplied: '2', applied: '3', awaiting: '{"c":2}' }));
      const snap = await fx.store.load(ref, []);
      expect([snap.applied, snap.awaiting]).toEqual(['3', '{"c":2}']);
      expect((await fx.store.load({ stream, partition: 1 }, [])).awaiting).toBeNull();
    });

    it('numbers log entries in append order and reads those after a number, at most max', async () => {
      const log = `${stream}-log`;
      expect(await fx.store.readLog(log, 0, 10)).toEqual({ head: 0, entries: [] });
      const numbers = [];
      for (const e of ['a', 'b|with bar', 'c', 'd']) numbers.push(await fx.store.appendLog(log, e, 100, 60_000));
      expect(numbers).toEqual([1, 2, 3, 4]);
      expect(await fx.store.readLog(log, 0, 0)).toEqual({ head: 4, entries: [] });
      expect(await fx.store.readLog(log, 1, 2)).toEqual({ head: 4, entries: [{ seq: 2, entry: 'b|with bar' }, { seq: 3, entry: 'c' }] });
      expect(await fx.store.readLog(log, 4, 10)).toEqual({ head: 4, entries: [] });
    });

    it('keeps the newest maxLength log entries: a reader far behind gets those that are left', async () => {
      const log = `${stream}-trimmed`;
      for (let i = 1; i <= 10; i++) await fx.store.appendLog(log, `e${i}`, 3, 60_000);
      const read = await fx.store.readLog(log, 2, 100);
      expect(read.head).toBe(10);
      expect(read.entries.map((e) => [e.seq, e.entry])).toEqual([[8, 'e8'], [9, 'e9'], [10, 'e10']]);
      expect((await fx.store.readLog(log, 8, 1)).entries).toEqual([{ seq: 9, entry: 'e9' }]);
    });

    it('expires a log its TTL after the last append', async () => {
      const log = `${stream}-short`;
      await fx.store.appendLog(log, 'x', 10, 150);
      await fx.advance(400);
      expect(await fx.store.readLog(log, 0, 10)).toEqual({ head: 0, entries: [] });
    });

    it('commit writes the state, the outbox and the applied offset together', async () => {
      const k = `${stream}:a`;
      const outcome = await fx.store.commit(commit({ writes: [{ key: k, value: 'v1', ttlMs: 60_000 }], outbox: '["alert"]' }));
      expect(outcome).toBe('committed');
      const snap = await fx.store.load({ stream, partition: 0 }, [k]);
      expect(snap).toEqual({ applied: '9', outbox: '["alert"]', awaiting: null, values: ['v1'] });
    });

    it('refuses a commit whose expected offset is stale (a zombie worker) and changes nothing', async () => {
      const k = `${stream}:a`;
      await fx.store.commit(commit({ applied: '9', writes: [{ key: k, value: 'first', ttlMs: 60_000 }] }));
      const stale = await fx.store.commit(commit({ expectedApplied: null, applied: '19', writes: [{ key: k, value: 'zombie', ttlMs: 60_000 }] }));
      expect(stale).toBe('conflict');
      const wrongBase = await fx.store.commit(commit({ expectedApplied: '5', applied: '19', writes: [{ key: k, value: 'zombie', ttlMs: 60_000 }] }));
      expect(wrongBase).toBe('conflict');
      const snap = await fx.store.load({ stream, partition: 0 }, [k]);
      expect(snap.values).toEqual(['first']);
      expect(snap.applied).toBe('9');
    });

    it('refuses to apply a batch that is not newer than the applied offset (redelivery)', async () => {
      await fx.store.commit(commit({ applied: '100' }));
      expect(await fx.store.commit(commit({ expectedApplied: '100', applied: '100' }))).toBe('conflict');
      expect(await fx.store.commit(commit({ expectedApplied: '100', applied: '99' }))).toBe('conflict');
      expect(await fx.store.commit(commit({ expectedApplied: '100', applied: '1000' }))).toBe('committed');
      expect((await fx.store.load({ stream, partition: 0 }, [])).applied).toBe('1000');
    });

    it('compares offsets as numbers, not strings ("9" < "10")', async () => {
      await fx.store.commit(commit({ applied: '9' }));
      expect(await fx.store.commit(commit({ expectedApplied: '9', applied: '10' }))).toBe('committed');
    });

    it('loads, writes and deletes 150,000 keys in one step (a spoofed flood: a new source per packet)', async () => {
      const ref = { stream, partition: 0 };
      const keys = Array.from({ length: 150_000 }, (_, i) => `${stream}:src:${i}`);
      const first = await fx.store.load(ref, keys);
      expect(first.values).toHaveLength(150_000);
      expect(first.values.every((v) => v === null)).toBe(true);
      const writes = keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 60_000 }));
      expect(await fx.store.commit(commit({ applied: '1', writes }))).toBe('committed');
      const written = await fx.store.load(ref, keys);
      expect(written.values[0]).toBe('v0');
      expect(written.values[149_999]).toBe('v149999');
      expect(await fx.store.get(keys)).toEqual(written.values);
      expect(await fx.store.commit(commit({ expectedApplied: '1', applied: '2', deletes: keys }))).toBe('committed');
      expect((await fx.store.load(ref, keys)).values.every((v) => v === null)).toBe(true);
    });

    it('keeps partitions apart', async () => {
      await fx.store.commit(commit({ ref: { stream, partition: 1 }, applied: '7' }));
      expect((await fx.store.load({ stream, partition: 0 }, [])).applied).toBeNull();
      expect((await fx.store.load({ stream, partition: 1 }, [])).applied).toBe('7');
    });

    it('deletes keys in a commit', async () => {
      const k = `${stream}:gone`;
      await fx.store.commit(commit({ applied: '1', writes: [{ key: k, value: 'x', ttlMs: 60_000 }] }));
      await fx.store.commit(commit({ expectedApplied: '1', applied: '2', deletes: [k] }));
      expect((await fx.store.load({ stream, partition: 0 }, [k])).values).toEqual([null]);
    });

    it('expires state keys after their TTL', async () => {
      const k = `${stream}:ttl`;
      await fx.store.commit(commit({ writes: [{ key: k, value: 'short', ttlMs: 150 }] }));
      expect(await fx.store.get([k])).toEqual(['short']);
      await fx.advance(400);
      expect(await fx.store.get([k])).toEqual([null]);
    });

    it('caches values with a TTL', async () => {
      const k = `${stream}:cache`;
      await fx.store.set(k, 'verdict', 150);
      expect(await fx.store.get([k, `${stream}:none`])).toEqual(['verdict', null]);
      await fx.advance(400);
      expect(await fx.store.get([k])).toEqual([null]);
    });

    it('grants a shared quota up to the smallest window and then says when to retry', async () => {
      const name = `${stream}-vt`;
      const now = 28_333_333 * 60_000 + 5_000; // 5 s into a minute
      const windows = [
        { windowMs: 60_000, max: 4 },
        { windowMs: 86_400_000, max: 500 },
      ];
      const decisions = [];
      for (let i = 0; i < 6; i++) decisions.push(await fx.store.takeQuota(name, windows, now));
      expect(decisions.filter((d) => d.granted)).toHaveLength(4);
      expect(decisions[4]).toEqual({ granted: false, retryAfterMs: 55_000 });
      expect((await fx.store.takeQuota(name, windows, now + 60_000)).granted).toBe(true);
    });

    it('counts a refused request in no window', async () => {
      const name = `${stream}-day`;
      const now = 1_700_000_000_000;
      const windows = [
        { windowMs: 60_000, max: 10 },
        { windowMs: 86_400_000, max: 2 },
      ];
      await fx.store.takeQuota(name, windows, now);
      await fx.store.takeQuota(name, windows, now);
      expect((await fx.store.takeQuota(name, windows, now)).granted).toBe(false);
      // the minute window was not charged by the refusal: 10 more would fit there
      expect((await fx.store.takeQuota(name, [{ windowMs: 60_000, max: 3 }], now)).granted).toBe(true);
    });

    it('pops with quota: the highest item per unit, nothing counted on an empty queue, nothing popped when refused', async () => {
      const q = `${stream}-qq`;
      const name = `${stream}-qvt`;
      const now = 28_333_333 * 60_000 + 5_000;
      const windows = [{ windowMs: 60_000, max: 2 }];
      expect(await fx.store.popWithQuota(q, name, windows, now)).toEqual({ outcome: 'empty' });
      await fx.store.queuePush(q, [
        { member: 'a', score: 1 },
        { member: 'b', score: 3 },
        { member: 'c', score: 2 },
      ], 10, 60_000);
      expect(await fx.store.popWithQuota(q, name, windows, now)).toEqual({ outcome: 'granted', item: { member: 'b', score: 3 } });
      expect(await fx.store.popWithQuota(q, name, windows, now)).toEqual({ outcome: 'granted', item: { member: 'c', score: 2 } });
      expect(await fx.store.popWithQuota(q, name, windows, now)).toEqual({ outcome: 'denied', retryAfterMs: 55_000 });
      // The refused item is still queued; the empty probe above spent no unit (2 granted of 2).
      expect(await fx.store.queuePop(q, 5)).toEqual([{ member: 'a', score: 1 }]);
      expect((await fx.store.takeQuota(name, windows, now + 60_000)).granted).toBe(true);
    });

    it('pops the highest-priority items first and keeps the best score per member', async () => {
      const q = `${stream}-q`;
      await fx.store.queuePush(q, [
        { member: 'ip:1.1.1.1', score: 0.2 },
        { member: 'ip:2.2.2.2', score: 0.9 },
        { member: 'ip:3.3.3.3', score: 0.5 },
      ], 10, 60_000);
      await fx.store.queuePush(q, [{ member: 'ip:1.1.1.1', score: 0.95 }, { member: 'ip:2.2.2.2', score: 0.1 }], 10, 60_000);
      expect(await fx.store.queuePop(q, 2)).toEqual([
        { member: 'ip:1.1.1.1', score: 0.95 },
        { member: 'ip:2.2.2.2', score: 0.9 },
      ]);
      expect(await fx.store.queuePop(q, 5)).toEqual([{ member: 'ip:3.3.3.3', score: 0.5 }]);
      expect(await fx.store.queuePop(q, 5)).toEqual([]);
    });

    it('takes 150,000 queue items in one push', async () => {
      const q = `${stream}-large`;
      await fx.store.queuePush(q, Array.from({ length: 150_000 }, (_, i) => ({ member: `m${i}`, score: i })), 200_000, 60_000);
      expect((await fx.store.queuePop(q, 2)).map((i) => i.member)).toEqual(['m149999', 'm149998']);
    });

    it('bounds the queue by dropping the lowest scores', async () => {
      const q = `${stream}-bounded`;
      await fx.store.queuePush(q, Array.from({ length: 20 }, (_, i) => ({ member: `m${i}`, score: i })), 5, 60_000);
      const all = await fx.store.queuePop(q, 100);
      expect(all.map((i) => i.member)).toEqual(['m19', 'm18', 'm17', 'm16', 'm15']);
    });
  });
}
