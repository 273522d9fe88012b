/** flat(): the same string back, whatever it holds (common/flat-string.ts). */
import { describe, expect, it } from 'vitest';
import { flat } from '../../../services/common/flat-string.ts';

describe('flat', () => {
  it('gives back a string equal to the one it was given: ropes, numeric text and the empty string alike', () => {
    const rope = ['192.', '168.', '100.', '200'].reduce((a, b) => a + b);
    for (const s of [rope, `src:${rope}`, '', '0', '-0.5', '1e3', 'NaN', ' 12 ', 'fe80::1', 'ключ']) expect(flat(s)).toBe(s);
  });
});
