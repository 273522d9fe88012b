// vitest globalSetup of the `integration` project: finds a real Kafka broker, a real
// Confluent-compatible schema registry and a real Redis, and hands their addresses to tests
// (`inject('services')`) and to child processes (process.env, `servicesEnv`). In order:
//   (a) NETSENTINEL_KAFKA_BROKERS / NETSENTINEL_REGISTRY_URL / NETSENTINEL_REDIS_URL if set;
//   (b) testcontainers when a Docker engine answers;
//   (c) local processes (test/setup/services/local.ts), stopped again at teardown.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { servicesEnv, servicesFromEnv, type TestServices } from './services/addresses.ts';
import { dockerAnswers, startContainerServices } from './services/containers.ts';
import { startLocalServices, stopOnExit, type LocalServices } from './services/local.ts';
import { recordPidsIn, startWatchdog } from './services/process.ts';

export { servicesEnv, type TestServices } from './services/addresses.ts';

declare module 'vitest' {
  interface ProvidedContext {
    services: TestServices;
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function publish(project: TestProject, services: TestServices, source: string): void {
  project.provide('services', services);
  Object.assign(process.env, servicesEnv(services));
  log(`netsentinel test services (${source}): kafka ${services.kafkaBrokers.join(',')}, registry ${services.registryUrl}, redis ${services.redisUrl}`);
}

function runFailed(project: TestProject): boolean {
  try {
    const state = project.vitest.state;
    return state.getCountOfFailedTests() > 0 || state.getFailedFilepaths().length > 0 || state.getUnhandledErrors().length > 0;
  } catch {
    // vitest marks its state API experimental; when it cannot tell, keep the logs.
    return true;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = servicesFromEnv();
  if (given !== undefined) {
    publish(project, given, 'from the environment');
    return async () => undefined;
  }

  if (dockerAnswers()) {
    const started = Date.now();
    const containers = await startContainerServices();
    publish(project, containers.services, `testcontainers, ${Date.now() - started} ms`);
    return async () => {
      await containers.stop();
    };
  }

  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'netsentinel-services-'));
  const removeHandlers = stopOnExit({ workDir: () => workDir, log, onExit: true });
  const pidsFile = join(workDir, 'pids');
  recordPidsIn(pidsFile);
  const watchdog = startWatchdog(process.pid, pidsFile);
  const stopWatchdog = (): void => {
    try {
      process.kill(-watchdog, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  let local: LocalServices;
  try {
    local = await startLocalServices({ workDir });
  } catch (error) {
    stopWatchdog();
    removeHandlers();
    throw error;
  }
  publish(project, local.services, `local processes, ${Date.now() - started} ms, logs in ${local.workDir}`);
  return async () => {
    const failed = runFailed(project);
    stopWatchdog();
    await local.stop({ keepLogs: failed });
    removeHandlers();
    if (failed) log(`netsentinel test services: the run failed; service logs kept in ${local.workDir}`);
  };
}
