import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { stateStoreContract } from '../../../contract/state-store.contract.ts';

stateStoreContract('memory', async () => {
  let now = 1_000_000;
  const store = new MemoryStore({ now: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
    close: () => store.close(),
  };
});

describe('MemoryStore bounds', () => {
  it('never holds more than maxKeys keys, evicting the oldest writes', async () => {
    const store = new MemoryStore({ maxKeys: 3 });
    for (let i = 0; i < 10; i++) await store.set(`k${i}`, String(i), 60_000);
    expect(store.size).toBe(3);
    expect(await store.get(['k0', 'k7', 'k8', 'k9'])).toEqual([null, '7', '8', '9']);
  });
});
