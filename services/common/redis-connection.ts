/**
 * The one place that turns config.redis into an ioredis connection (TLS for rediss:// URLs,
 * password, key prefix stays with the adapters). Only Redis adapters call it.
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config/schema.ts';

export function redisOptions(config: Readonly<Config>, connectionName: string): RedisOptions {
  const { redis } = config;
  const tls = redis.url.startsWith('rediss://')
    ? {
        rejectUnauthorized: redis.tls.rejectUnauthorized,
        ca: redis.tls.ca ? readFileSync(redis.tls.ca, 'utf8') : undefined,
        cert: redis.tls.cert ? readFileSync(redis.tls.cert, 'utf8') : undefined,
        key: redis.tls.key ? readFileSync(redis.tls.key, 'utf8') : undefined,
      }
    : undefined;
  return {
    connectionName,
    password: redis.password || undefined,
    tls,
    // Commands wait for a reconnect instead of failing at once; a bounded number of retries
    // per command keeps a dead Redis from hanging the pipeline silently.
    maxRetriesPerRequest: 20,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  };
}

export function createRedisConnection(config: Readonly<Config>, connectionName: string): Redis {
  return new Redis(config.redis.url, redisOptions(config, connectionName));
}
