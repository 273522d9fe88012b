/**
 * Runs a bench module in a thread whose V8 old generation is capped at detector.heapLimitMb
 * (with detector.heapGrowingPercent), as
 * `netsentinel detector` runs a worker (services/cli/commands/detector.ts), so that a bench can
 * measure the worker the way it runs in production (RSS and CPU are the whole process's).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { loadConfig } from '../services/common/config/load.ts';
import { heapCappedLimits } from '../services/detector/heap-capped.ts';

/** A thread running moduleUrl; threads do not inherit --import tsx, so it registers tsx first. */
export function heapCappedThread(moduleUrl: string, options: Pick<WorkerOptions, 'argv'> = {}): Worker {
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(bootstrap, { ...options, eval: true, resourceLimits: heapCappedLimits(loadConfig()) });
}

/** Runs moduleUrl in a heap-capped thread with this process's arguments but --thread; exits with its code. */
export async function rerunInHeapCappedThread(moduleUrl: string): Promise<never> {
  const thread = heapCappedThread(moduleUrl, { argv: process.argv.slice(2).filter((a) => a !== '--thread') });
  process.exitCode = await new Promise<number>((resolve) => thread.once('exit', resolve));
  process.exit();
}
