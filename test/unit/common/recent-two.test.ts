/** RecentTwo: the last two keys and their values, in front of a lookup (common/recent-two.ts). */
import { describe, expect, it } from 'vitest';
import { RecentTwo } from '../../../services/common/recent-two.ts';

describe('RecentTwo', () => {
  it('answers for the last two keys remembered, and nothing for an older one or after clear()', () => {
    const recent = new RecentTwo<number>();
    expect(recent.get('a')).toBeUndefined();
    recent.remember('a', 1);
    recent.remember('b', 2);
    expect([recent.get('a'), recent.get('b'), recent.get('c')]).toEqual([1, 2, undefined]);
    recent.remember('c', 3); // 'a' is the older of the two: forgotten
    expect([recent.get('a'), recent.get('b'), recent.get('c')]).toEqual([undefined, 2, 3]);
    // Keys are compared by value, not by object: a string built anew is the same key.
    expect(recent.get(['c'].join(''))).toBe(3);
    recent.clear();
    expect([recent.get('b'), recent.get('c')]).toEqual([undefined, undefined]);
  });

  it('keeps false and 0 as answers (only undefined means not remembered)', () => {
    const recent = new RecentTwo<boolean | number>();
    recent.remember('x', false);
    recent.remember('y', 0);
    expect([recent.get('x'), recent.get('y')]).toEqual([false, 0]);
  });
});
