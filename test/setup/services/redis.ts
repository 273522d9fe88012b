// redis-server from Debian, on a free port, without persistence.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnService, stopProcessGroupNow, waitUntilReady, type ServiceProcess } from './process.ts';

export interface LocalRedis {
  proc: ServiceProcess;
  url: string;
}

export function redisServerBinary(): string {
  const fromEnv = process.env.NETSENTINEL_REDIS_SERVER_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('redis-server not found: install it with `apt-get install -y redis-server` (or run scripts/install-deps.sh)');
}

export async function startLocalRedis(workDir: string, timeoutMs = 30_000): Promise<LocalRedis> {
  const binary = redisServerBinary();
  const dir = join(workDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'redis.log');
  const proc = spawnService({
    name: 'redis',
    command: binary,
    args: [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--protected-mode', 'no',
      '--logfile', '',
    ],
    logFile,
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitUntilReady(() => ping(url), { proc, timeoutMs, intervalMs: 100, what: 'PING to answer PONG' });
  } catch (error) {
    stopProcessGroupNow(proc.pid);
    throw error;
  }
  return { proc, url };
}

async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}
