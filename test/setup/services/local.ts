// Starts Kafka, the registry and Redis as local processes in one temp dir, in parallel, and
// stops them all by process group. Used by the vitest global setup and `npm run services:up`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServices } from './addresses.ts';
import { startLocalKafka } from './kafka.ts';
import { isAlive, stopProcessGroup, stopProcessGroupNow, type ServiceProcess } from './process.ts';
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
 * Kills the services if the process ends before `stop` ran (Ctrl-C, SIGTERM, an uncaught
 * error): they live in their own process groups and would otherwise outlive the test run.
 * Returns a function that removes the handlers once the services are stopped normally.
 */
export function stopOnExit(local: LocalServices, log: (line: string) => void): () => void {
  const killAll = (): void => {
    for (const proc of local.processes) stopProcessGroupNow(proc.pid);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll();
    log(`netsentinel test services: stopped on ${signal}; logs kept in ${local.workDir}`);
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAll);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
  };
}
