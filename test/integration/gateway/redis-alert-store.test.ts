import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { RedisAlertStore } from '../../../services/gateway/store/redis-alert-store.ts';
import { alertStoreContract } from '../../contract/alert-store.contract.ts';

// Each test gets its own key prefix on the shared Redis, and deletes its keys afterwards.
alertStoreContract('redis', async (limits) => {
  const store = new RedisAlertStore({ url: inject('services').redisUrl, keyPrefix: `test:${randomUUID().slice(0, 8)}:`, limits });
  const close = store.close.bind(store);
  store.close = async () => {
    await store.clear();
    await close();
  };
  return store;
});
