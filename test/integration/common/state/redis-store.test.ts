import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../../../services/common/state/redis-store.ts';
import { stateStoreContract } from '../../../contract/state-store.contract.ts';

const url = (): string => inject('services').redisUrl;

stateStoreContract('redis', async () => {
  const store = new RedisStore(new Redis(url()), { keyPrefix: 'nstest:' });
  return {
    store,
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    close: () => store.close(),
  };
});

describe('RedisStore keys', () => {
  it('prefixes every key and gives every key a TTL', async () => {
    const prefix = `nsttl${Date.now()}:`;
    const store = new RedisStore(new Redis(url()), { keyPrefix: prefix });
    await store.commit({ ref: { stream: 's', partition: 0 }, expectedApplied: null, applied: '1', writes: [{ key: 'a', value: 'x', ttlMs: 60_000 }], deletes: [], outbox: '[]', metaTtlMs: 60_000 });
    await store.set('c', 'y', 60_000);
    await store.takeQuota('vt', [{ windowMs: 60_000, max: 4 }], Date.now());
    await store.queuePush('intel', [{ member: 'ip:1.2.3.4', score: 1 }], 10, 60_000);
    const probe = new Redis(url());
    try {
      const keys = await probe.keys(`${prefix}*`);
      expect(keys.length).toBe(5);
      for (const key of keys) expect(await probe.pttl(key)).toBeGreaterThan(0);
      expect(await probe.keys('d:*')).toEqual([]);
    } finally {
      probe.disconnect();
      await store.close();
    }
  });
});
