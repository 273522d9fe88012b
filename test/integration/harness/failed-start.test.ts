// How the harness fails: a service that dies before it is ready is reported with its name
// and log file and leaves no process behind; addresses from the environment are all-or-nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { servicesFromEnv } from '../../setup/services/addresses.ts';
import { isAlive, ServiceStartError, spawnService, waitUntilReady } from '../../setup/services/process.ts';
import { startLocalRedis } from '../../setup/services/redis.ts';

const dirs: string[] = [];
function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netsentinel-harness-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  delete process.env.NETSENTINEL_REDIS_SERVER_BIN;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a service that fails to start', () => {
  it('is reported with the service name and the path of its log', async () => {
    const dir = workDir();
    process.env.NETSENTINEL_REDIS_SERVER_BIN = '/bin/false';
    const error = await startLocalRedis(dir, 5_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceStartError);
    const logFile = join(dir, 'redis', 'redis.log');
    expect((error as ServiceStartError).service).toBe('redis');
    expect((error as ServiceStartError).logFile).toBe(logFile);
    expect((error as Error).message).toContain(`(log: ${logFile})`);
    expect(existsSync(logFile)).toBe(true);
  });

  it('times out with what it waited for, and its process group is gone afterwards', async () => {
    const dir = workDir();
    const proc = spawnService({ name: 'sleeper', command: 'sleep', args: ['30'], logFile: join(dir, 'sleeper.log') });
    const error = await waitUntilReady(async () => false, { proc, timeoutMs: 500, what: 'nothing in particular' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^sleeper: not ready after 500 ms: waited for nothing in particular/);
    process.kill(-proc.pid, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    while (isAlive(proc.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(proc.pid)).toBe(false);
  });
});

describe('services from the environment', () => {
  it('takes all three, splitting the broker list', () => {
    const services = servicesFromEnv({
      NETSENTINEL_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
      NETSENTINEL_REGISTRY_URL: 'http://127.0.0.1:8081',
      NETSENTINEL_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(services).toEqual({
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      registryUrl: 'http://127.0.0.1:8081',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('is nothing when none is set', () => {
    expect(servicesFromEnv({})).toBeUndefined();
  });

  it('refuses a partial set, naming what is missing', () => {
    expect(() => servicesFromEnv({ NETSENTINEL_KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(
      /missing NETSENTINEL_REGISTRY_URL, NETSENTINEL_REDIS_URL/,
    );
  });
});
