// Starts Kafka, the registry and Redis as local processes in one temp dir, in parallel, and
// stops them all by process group. Used by the vitest global setup and `npm run services:up`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServices } from './addresses.ts';
import { startLocalKafka } from './kafka.ts';
import { isAlive, killAllStartedNow, stopProcessGroup, type ServiceProcess } from './process.ts';
import { startLocalRedis } from './redis.ts';
import { startLocalRegistry } from './registry.ts';

export interface LocalServices {
  services: TestServices;
  workDir: string;
  processes: ServiceProcess[];
  /** Stops every process; deletes the work dir unless `keepLogs` (a failed run keeps them). */
  stop(options: { keepLogs: boolean }): Promise<void>;
}

export async function startLocalServices(options: { workDir?: string } = {}): Promise<LocalServices> {
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'netsentinel-services-'));
  const started: ServiceProcess[] = [];
  const remember = <T extends { proc: ServiceProcess }>(service: T): T => {
    started.push(service.proc);
    return service;
  };
  // allSettled, not all: when one fails the others may still be starting, and each of them
  // must be stopped too before the error leaves this function.
  const [kafka, registry, redis] = await Promise.allSettled([
    startLocalKafka(workDir).then(remember),
    startLocalRegistry(workDir).then(remember),
    startLocalRedis(workDir).then(remember),
  ]);
  if (kafka.status === 'rejected' || registry.status === 'rejected' || redis.status === 'rejected') {
    await Promise.all(started.map((proc) => stopProcessGroup(proc.pid)));
    const reasons = [kafka, registry, redis]
      .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
      .map((result) => (result.reason as Error).message);
    throw new Error(`local test services failed to start; logs kept in ${workDir}\n${reasons.join('\n')}`);
  }
  const processes = [kafka.value.proc, registry.value.proc, redis.value.proc];
  return {
    services: { kafkaBrokers: kafka.value.brokers, registryUrl: registry.value.url, redisUrl: redis.value.url },
    workDir,
    processes,
    async stop({ keepLogs }) {
      await Promise.all(processes.map((proc) => stopProcessGroup(proc.pid, 10_000)));
      const survivors = processes.filter((proc) => isAlive(proc.pid));
      if (!keepLogs && survivors.length === 0) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Kills the services if the process ends before they were stopped normally (Ctrl-C, SIGTERM,
 * an uncaught error), including halfway through startup: they live in their own process
 * groups and would otherwise outlive the test run. Returns a function removing the handlers.
 */
export function stopOnExit(options: { workDir: () => string | undefined; log: (line: string) => void; onExit: boolean }): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const killed = killAllStartedNow();
    const dir = options.workDir();
    options.log(`netsentinel test services: ${signal}: killed ${killed.length} service process group(s)${dir ? `; logs kept in ${dir}` : ''}`);
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  const onExit = (): void => {
    killAllStartedNow();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (options.onExit) process.once('exit', onExit);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
}
