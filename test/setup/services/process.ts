// Shared process plumbing for the local test services (Kafka, registry, Redis): free ports,
// spawning into a log file, waiting on readiness, and stopping by process group.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited (only known for processes this process spawned). */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    readonly logFile: string,
    message: string,
  ) {
    super(`${service}: ${message} (log: ${logFile})`);
    this.name = 'ServiceStartError';
  }
}

// Ports already handed out by this process: the services start in parallel, and the kernel
// may offer a port again once its probe socket is closed, before the service has bound it.
const handedOut = new Set<number>();

/** A port on 127.0.0.1 that the kernel just handed out and no other service here was given. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port on 127.0.0.1 in 50 attempts');
}

async function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a listening socket'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}

// Every process group this process started and has not yet stopped: what a signal handler
// must kill when the run is interrupted, even halfway through startup.
const running = new Set<number>();

/** Kills every service group this process started and has not stopped (synchronous). */
export function killAllStartedNow(): number[] {
  const pids = [...running];
  for (const pid of pids) stopProcessGroupNow(pid);
  return pids;
}

let pidFile: string | undefined;

/** From now on, append the PID of every spawned service to `file` (read by the watchdog). */
export function recordPidsIn(file: string): void {
  pidFile = file;
}

/** Stop tracking `pid`: `services:up` hands its services over to `services:down`. */
export function forget(pid: number): void {
  running.delete(pid);
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a service as the leader of its own process group, output appended to `logFile`.
 * Its own group lets `stopProcessGroup` take down whatever the service forks, and keeps a
 * Ctrl-C in the terminal from reaching it before the harness has stopped it in order.
 */
export function spawnService(options: SpawnOptions): ServiceProcess {
  const fd = openSync(options.logFile, 'a');
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) {
      throw new ServiceStartError(options.name, options.logFile, `could not spawn ${options.command}`);
    }
    running.add(child.pid);
    const pid = child.pid;
    if (pidFile !== undefined) appendFileSync(pidFile, `${pid}\n`);
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(pid);
    });
    child.once('error', () => {
      exit ??= { code: null, signal: null };
    });
    // The harness must not keep the test runner (or `services:up`) alive on its own.
    child.unref();
    return { name: options.name, pid, logFile: options.logFile, exited: () => exit };
  } finally {
    closeSync(fd);
  }
}

/** Runs a short command to completion (e.g. Kafka's storage format); output goes to the log. */
export async function runToCompletion(options: SpawnOptions & { timeoutMs: number }): Promise<void> {
  const proc = spawnService(options);
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const exit = proc.exited();
    if (exit !== undefined) {
      if (exit.code === 0) return;
      throw new ServiceStartError(
        options.name,
        options.logFile,
        `${options.command} ${options.args.at(-1) ?? ''} exited with ${exit.code ?? exit.signal}: ${tail(options.logFile)}`,
      );
    }
    await sleep(100);
  }
  stopProcessGroupNow(proc.pid);
  throw new ServiceStartError(options.name, options.logFile, `did not finish within ${options.timeoutMs} ms`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Synchronous last resort for exit/signal handlers, where no await runs. */
export function stopProcessGroupNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
  running.delete(pid);
}

/** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<void> {
  running.delete(pid);
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && !groupAlive(pid)) return;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (Date.now() < killDeadline && isAlive(pid)) await sleep(50);
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A watchdog for when this process dies without running any handler (SIGKILL, OOM): a small
 * shell loop that, once `ownerPid` is gone, kills the process groups listed in `pidFile`
 * (one PID a line, kept current by the caller). Returns its PID so a normal stop ends it too.
 */
export function startWatchdog(ownerPid: number, pidFile: string): number {
  const script = [
    `while kill -0 ${ownerPid} 2>/dev/null; do sleep 2; done`,
    `[ -f '${pidFile}' ] || exit 0`,
    `while read -r pid; do [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null; done < '${pidFile}'`,
  ].join('\n');
  const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the test services watchdog (bash)');
  return child.pid;
}

export interface WaitOptions {
  proc: ServiceProcess;
  timeoutMs: number;
  intervalMs?: number;
  /** What is being waited for, for the error message ("GET /subjects answers 200"). */
  what: string;
}

/**
 * Polls `probe` until it resolves true. Fails at once if the process exits, and after
 * `timeoutMs` with an error naming the service, what was awaited and its log file.
 */
export async function waitUntilReady(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const { proc, timeoutMs, what } = options;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const exit = proc.exited();
    if (exit !== undefined || !isAlive(proc.pid)) {
      throw new ServiceStartError(
        proc.name,
        proc.logFile,
        `exited (${exit?.code ?? exit?.signal ?? 'unknown status'}) before ${what}: ${tail(proc.logFile)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new ServiceStartError(
    proc.name,
    proc.logFile,
    `not ready after ${timeoutMs} ms: waited for ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
  );
}

/** The last lines of a log, to put the cause of a failed start into the error itself. */
export function tail(file: string, lines = 8): string {
  if (!existsSync(file)) return '(no log written)';
  const text = readFileSync(file, 'utf8').trimEnd();
  if (text === '') return '(log empty)';
  return text.split('\n').slice(-lines).join('\n');
}
