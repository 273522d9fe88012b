/** Int32Map against a plain Map model (common/int32-map.ts): the same answers through random operations. */
import { describe, expect, it } from 'vitest';
import { Int32Map } from '../../../services/common/int32-map.ts';
import { seededRandom } from '../../support/random.ts';

describe('Int32Map', () => {
  for (const maxEntries of [1, 7, 64, 4096]) {
    it(`answers as a Map does through random sets, gets and deletes, full and emptied again (${maxEntries} entries)`, () => {
      const rand = seededRandom(maxEntries);
      const map = new Int32Map(maxEntries);
      const model = new Map<number, number>();
      // Few distinct keys, so that runs collide and deletes shift entries back, wrapping the table too;
      // every int32 is a key, 0 and negatives included.
      const keyOf = () => (rand() < 0.5 ? Math.floor(rand() * maxEntries * 3) - maxEntries : (Math.floor(rand() * 2 ** 32) | 0));
      for (let step = 0; step < 40_000; step++) {
        const key = keyOf();
        const r = rand();
        if (r < 0.45 && (model.size < maxEntries || model.has(key))) {
          const value = Math.floor(rand() * 2 ** 32) | 0;
          map.set(key, value);
          model.set(key, value);
        } else if (r < 0.8) {
          expect(map.delete(key)).toBe(model.delete(key));
        } else {
          expect(map.get(key)).toBe(model.get(key));
          expect(map.has(key)).toBe(model.has(key));
        }
        expect(map.size).toBe(model.size);
        if (step % 997 === 0) for (const [k, v] of model) expect(map.get(k), `step ${step}`).toBe(v);
      }
      map.clear();
      expect(map.size).toBe(0);
      for (const k of model.keys()) expect(map.has(k)).toBe(false);
    });
  }

  it('refuses a new key past maxEntries, and an impossible size', () => {
    const map = new Int32Map(2);
    map.set(1, 1);
    map.set(2, 2);
    map.set(2, 3); // an existing key: no new entry
    expect(() => map.set(3, 3)).toThrow(/full/);
    expect(map.get(2)).toBe(3);
    expect(() => new Int32Map(0)).toThrow(/maxEntries/);
    expect(() => new Int32Map(1.5)).toThrow(/maxEntries/);
  });
});
