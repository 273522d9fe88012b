// `npm run services:up` / `services:down`: the integration tests' local Kafka, schema registry
// and Redis, started detached for development. `up` prints the `export` lines that make
// `npm test` (and the services) use them; `down` stops them by PID.
//   node --import tsx scripts/services.ts up|down|env
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { servicesEnv, type TestServices } from '../test/setup/services/addresses.ts';
import { startLocalServices, stopOnExit } from '../test/setup/services/local.ts';
import { cacheRoot, servicesStateFile } from '../test/setup/services/paths.ts';
import { forget, isAlive, stopProcessGroup } from '../test/setup/services/process.ts';

interface ServicesState {
  services: TestServices;
  workDir: string;
  startedAt: string;
  processes: { name: string; pid: number; logFile: string }[];
}

// What each process's command line contains; checked before a signal is sent, so a PID the
// kernel has since handed to another program is left alone.
const COMMAND_MARKS: Record<string, string> = { kafka: 'kafka.Kafka', registry: 'apicurio', redis: 'redis-server' };

function readState(): ServicesState | undefined {
  const file = servicesStateFile();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ServicesState;
}

function stillOurs(proc: { name: string; pid: number }): boolean {
  if (!isAlive(proc.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(COMMAND_MARKS[proc.name] ?? '\0');
  } catch {
    return false;
  }
}

function exportLines(services: TestServices): string {
  return Object.entries(servicesEnv(services))
    .map(([name, value]) => `export ${name}='${value}'`)
    .join('\n');
}

async function up(): Promise<void> {
  const existing = readState();
  if (existing !== undefined) {
    if (existing.processes.every(stillOurs)) {
      process.stderr.write(`services already running (started ${existing.startedAt}); logs in ${existing.workDir}\n`);
      process.stdout.write(`${exportLines(existing.services)}\n`);
      return;
    }
    process.stderr.write('a previous services:up is partly gone; stopping what is left of it first\n');
    await down();
  }
  const workDir = join(cacheRoot(), 'services-run');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  // Ctrl-C during startup stops what has started; once up, the services outlive this command.
  const removeHandlers = stopOnExit({ workDir: () => workDir, log: (line) => process.stderr.write(`${line}\n`), onExit: false });
  const local = await startLocalServices({ workDir }).finally(removeHandlers);
  for (const proc of local.processes) forget(proc.pid);
  const state: ServicesState = {
    services: local.services,
    workDir,
    startedAt: new Date().toISOString(),
    processes: local.processes.map((proc) => ({ name: proc.name, pid: proc.pid, logFile: proc.logFile })),
  };
  mkdirSync(dirname(servicesStateFile()), { recursive: true });
  writeFileSync(servicesStateFile(), `${JSON.stringify(state, null, 2)}\n`);
  process.stderr.write(
    `kafka, registry and redis are up (${Date.now() - started} ms); logs in ${workDir}\n` +
      `state: ${servicesStateFile()}; stop them with: npm run services:down\n` +
      'paste these lines into your shell so that `npm test` uses them:\n',
  );
  process.stdout.write(`${exportLines(local.services)}\n`);
}

async function down(): Promise<void> {
  const state = readState();
  if (state === undefined) {
    process.stderr.write('no services:up state found; nothing to stop\n');
    return;
  }
  await Promise.all(
    state.processes.map(async (proc) => {
      if (stillOurs(proc)) {
        await stopProcessGroup(proc.pid, 10_000);
        process.stderr.write(`stopped ${proc.name} (pid ${proc.pid})\n`);
      }
    }),
  );
  rmSync(servicesStateFile(), { force: true });
  rmSync(state.workDir, { recursive: true, force: true });
  process.stderr.write('unset NETSENTINEL_KAFKA_BROKERS NETSENTINEL_REGISTRY_URL NETSENTINEL_REDIS_URL in shells that exported them\n');
}

function env(): void {
  const state = readState();
  if (state === undefined || !state.processes.every(stillOurs)) {
    process.stderr.write('services are not running: npm run services:up\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${exportLines(state.services)}\n`);
}

const command = process.argv[2];
try {
  if (command === 'up') await up();
  else if (command === 'down') await down();
  else if (command === 'env') env();
  else {
    process.stderr.write('usage: scripts/services.ts up|down|env\n');
    process.exitCode = 2;
  }
} catch (error) {
  process.stderr.write(`services ${command}: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
