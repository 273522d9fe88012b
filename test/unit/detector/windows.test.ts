/**
 * The windows against naive models that keep every event: the same totals, distinct sets and
 * first-seen order after every add, and a window revived from its JSON behaves as the live one
 * from then on (a worker that reloads state must reach the alerts a worker that kept it does).
 */
import { describe, expect, it } from 'vitest';
import { BoundedMap, CountWindow, DistinctWindow } from '../../../services/detector/windows.ts';
import { seededRandom } from '../../support/random.ts';

/** Event times that mostly move forward, sometimes jump, sometimes step back. */
function* times(rand: () => number, count: number, bucketMs: number): Generator<number> {
  let t = 1_700_000_000_000;
  for (let k = 0; k < count; k++) {
    const r = rand();
    if (r < 0.7) t += rand() * bucketMs;
    else if (r < 0.8) t += rand() * bucketMs * 30;
    else if (r < 0.95) yield t - rand() * bucketMs * 12;
    yield t;
  }
}

/** Bucket index of every event the window keeps, the way the windows define it. */
class CountModel {
  events: Array<{ i: number; amount: number }> = [];
  max = -Infinity;
  constructor(readonly bucketMs: number, readonly buckets: number) {}
  add(ts: number, amount: number): void {
    const i = Math.floor(ts / this.bucketMs);
    if (i <= this.max - this.buckets) return;
    this.max = Math.max(this.max, i);
    this.events.push({ i, amount });
  }
  get total(): number {
    return this.events.filter((e) => e.i > this.max - this.buckets).reduce((s, e) => s + e.amount, 0);
  }
}

class DistinctModel {
  last = new Map<number, number>();
  max = -Infinity;
  constructor(readonly bucketMs: number, readonly buckets: number, readonly cap: number) {}
  add(ts: number, value: number): boolean {
    const i = Math.floor(ts / this.bucketMs);
    if (i <= this.max - this.buckets) return false;
    if (i > this.max) {
      this.max = i;
      for (const [v, b] of this.last) if (b <= i - this.buckets) this.last.delete(v);
    }
    const prev = this.last.get(value);
    if (prev !== undefined) {
      this.last.set(value, Math.max(prev, i));
      return false;
    }
    if (this.last.size >= this.cap) return false;
    this.last.set(value, i);
    return true;
  }
}

describe('CountWindow', () => {
  it('sums exactly what a model keeping every event sums, live and revived from JSON', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = seededRandom(seed);
      const w = CountWindow.of(10_000);
      const model = new CountModel(w.bucketMs, w.buckets);
      let revived: CountWindow | null = null;
      let step = 0;
      for (const t of times(rand, 2000, w.bucketMs)) {
        const amount = 1 + Math.floor(rand() * 1500);
        w.add(t, amount);
        model.add(t, amount);
        revived?.add(t, amount);
        expect(w.total, `seed ${seed} step ${step}`).toBe(model.total);
        if (revived) expect(revived.total).toBe(w.total);
        if (++step % 500 === 0) revived = CountWindow.from(JSON.parse(JSON.stringify(w)));
      }
      const last = model.max * w.bucketMs;
      expect(w.idle(last)).toBe(false);
      expect(w.idle(last + 10_000)).toBe(true);
    }
  });

  it('reads the JSON of earlier versions (bucket, count pairs, out-of-window pairs ignored)', () => {
    const w = CountWindow.from({ b: 1000, n: 10, m: 20, c: [[5, 7], [11, 2], [20, 3]] });
    expect(w.total).toBe(5);
    w.add(25_000);
    expect(w.total).toBe(4); // buckets up to 15 leave (11's 2): 20's 3 and 25's 1 remain
  });
});

describe('DistinctWindow', () => {
  for (const cap of [5, 40, 20_000]) {
    it(`keeps the distinct values a model keeps, in first-seen order, live and revived (cap ${cap})`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const rand = seededRandom(seed * 7 + cap);
        const w = DistinctWindow.of<number>(10_000, cap);
        const model = new DistinctModel(w.bucketMs, w.buckets, cap);
        let revived: DistinctWindow<number> | null = null;
        let step = 0;
        for (const t of times(rand, 3000, w.bucketMs)) {
          // Few values, then many: both the scan and the index Map are exercised.
          const value = Math.floor(rand() * (step < 1500 ? 12 : 400));
          const added = w.add(t, value);
          expect(added, `seed ${seed} step ${step}`).toBe(model.add(t, value));
          if (revived) expect(revived.add(t, value)).toBe(added);
          expect(w.size).toBe(model.last.size);
          expect([...w.values()]).toEqual([...model.last.keys()]);
          expect(w.has(value)).toBe(model.last.has(value));
          if (revived) expect(revived.sample(1000)).toEqual(w.sample(1000));
          if (++step % 400 === 0) revived = DistinctWindow.from<number>(JSON.parse(JSON.stringify(w)));
        }
      }
    });
  }

  it('counts the marked values a model counts: marks leave with their values, and survive JSON', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const rand = seededRandom(seed * 13);
      const w = DistinctWindow.of<number>(5_000, 200);
      const model = new DistinctModel(w.bucketMs, w.buckets, 200);
      const marked = new Set<number>();
      let step = 0;
      let made = 0;
      let dropped = 0;
      let live = w;
      for (const t of times(rand, 2000, w.bucketMs)) {
        const value = Math.floor(rand() * 60);
        if (rand() < 0.6) {
          // Values that leave as the window slides take their marks with them (one that comes
          // back is a new source).
          const i = Math.floor(t / w.bucketMs);
          if (i > model.max) {
            for (const v of marked) {
              if (model.last.get(v)! > i - w.buckets) continue;
              marked.delete(v);
              dropped++;
            }
          }
          live.add(t, value);
          model.add(t, value);
        } else {
          // A mark counts only for a value still in the window at its time; the window does not slide.
          const bucket = model.last.get(value);
          const inWindow = bucket !== undefined && bucket > Math.floor(t / w.bucketMs) - w.buckets;
          const fresh = inWindow && !marked.has(value);
          expect(live.mark(t, value), `seed ${seed} step ${step}`).toBe(fresh);
          if (fresh) {
            marked.add(value);
            made++;
          }
        }
        expect(live.marked, `seed ${seed} step ${step}`).toBe(marked.size);
        if (++step % 300 === 0) live = DistinctWindow.from<number>(JSON.parse(JSON.stringify(live)));
      }
      // Marks were made, and some left with their values.
      expect(made).toBeGreaterThan(50);
      expect(dropped).toBeGreaterThan(10);
    }
  });

  it('reads JSON written before marks existed (nothing marked)', () => {
    const w = DistinctWindow.from<string>([500, 10, 9, 100, ['a', 'b'], [0, 2]]);
    expect(w.marked).toBe(0);
    expect(w.mark(4_900, 'a')).toBe(true);
    expect(w.marked).toBe(1);
    expect(JSON.parse(JSON.stringify(w))).toEqual([500, 10, 9, 100, ['a', 'b'], [0, 2], [0]]);
  });

  it('reads the per-bucket JSON of earlier versions', () => {
    const w = DistinctWindow.from<string>({ b: 1000, n: 10, m: 9, k: 100, v: [[3, ['a', 'b']], [9, ['c']]] });
    expect(w.sample(5)).toEqual(['a', 'b', 'c']);
    w.add(13_500, 'd'); // bucket 13: buckets up to 3 leave the window
    expect(w.sample(5)).toEqual(['c', 'd']);
  });
});

describe('BoundedMap', () => {
  it('deleteIdle deletes exactly the idle entries, says whether any is left, and keeps the order of the rest', () => {
    const idle = (v: number, now: number) => v < now;
    const one = new BoundedMap<number>(8);
    expect(one.deleteIdle(idle, 5)).toBe(true);
    one.touch('a', () => 7);
    expect(one.deleteIdle(idle, 5)).toBe(false);
    expect(one.deleteIdle(idle, 9)).toBe(true);
    expect(one.size).toBe(0);
    const many = new BoundedMap<number>(8);
    for (const [k, v] of [['a', 1], ['b', 9], ['c', 3], ['d', 8], ['e', 2]] as const) many.touch(k, () => v);
    expect(many.deleteIdle(idle, 5)).toBe(false);
    expect([...many]).toEqual([['b', 9], ['d', 8]]);
    // The newest entry was deleted: a touch of another key must not find it as newest.
    many.touch('f', () => 6);
    many.touch('b', () => 0);
    expect([...many.keys()]).toEqual(['d', 'f', 'b']);
    expect(many.deleteIdle(idle, 10)).toBe(true);
  });

  /** The semantics it promises, on a plain Map: touch and put move a key last, the first keys go beyond the cap. */
  class ModelMap extends Map<string, number> {
    constructor(readonly cap: number) {
      super();
    }
    touch(key: string, create: () => number): number {
      const value = this.get(key) ?? create();
      this.delete(key);
      this.set(key, value);
      while (this.size > this.cap) this.delete(this.keys().next().value as string);
      return value;
    }
  }

  it('keeps the entries, order and bound of a plain Map model through random operations, from one entry to many and back', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rand = seededRandom(seed);
      const cap = 1 + Math.floor(rand() * 4);
      const map = new BoundedMap<number>(cap);
      const model = new ModelMap(cap);
      let next = 0;
      for (let step = 0; step < 3000; step++) {
        const key = `k${Math.floor(rand() * 6)}`;
        const r = rand();
        if (r < 0.4) {
          const made = next++;
          expect(map.touch(key, (n: number) => n, made)).toBe(model.touch(key, () => made));
        } else if (r < 0.5) {
          map.put(key, next);
          model.delete(key);
          model.touch(key, () => next++);
        } else if (r < 0.6) {
          map.set(key, next);
          model.set(key, next++);
        } else if (r < 0.75) {
          expect(map.delete(key)).toBe(model.delete(key));
        } else if (r < 0.85) {
          // Deleting while iterating, as the detectors' idle() do.
          for (const [k, v] of map) if (v % 2 === 0) map.delete(k);
          for (const [k, v] of model) if (v % 2 === 0) model.delete(k);
        } else if (r < 0.9) {
          map.clear();
          model.clear();
        } else {
          expect(map.get(key)).toBe(model.get(key));
          expect(map.has(key)).toBe(model.has(key));
        }
        expect(map.size).toBe(model.size);
        expect([...map.entries()]).toEqual([...model.entries()]);
      }
      const revived = new BoundedMap<number>(cap, JSON.parse(JSON.stringify(map)) as Array<[string, number]>);
      expect([...revived]).toEqual([...model]);
      expect([...revived.keys()]).toEqual([...model.keys()]);
      expect([...revived.values()]).toEqual([...model.values()]);
    }
  });
});
