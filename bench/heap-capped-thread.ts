/**
 * Runs a bench module in a thread whose V8 old generation is capped at detector.heapLimitMb
 * (with detector.heapGrowingPercent), as `netsentinel detector` runs a worker
 * (services/cli/commands/detector.ts), so that a bench can measure the worker the way it runs
 * in production (RSS and CPU are the whole process's).
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { loadConfig } from '../services/common/config/load.ts';
import { startTsThread } from '../services/common/ts-thread.ts';
import { heapCappedLimits } from '../services/detector/heap-capped.ts';

export function heapCappedThread(moduleUrl: string, options: Pick<WorkerOptions, 'argv'> = {}): Worker {
  return startTsThread(new URL(moduleUrl), {}, { ...options, resourceLimits: heapCappedLimits(loadConfig()) });
}

/** Runs moduleUrl in a heap-capped thread with this process's arguments but --thread; exits with its code. */
export async function rerunInHeapCappedThread(moduleUrl: string): Promise<never> {
  const thread = heapCappedThread(moduleUrl, { argv: process.argv.slice(2).filter((a) => a !== '--thread') });
  process.exitCode = await new Promise<number>((resolve) => thread.once('exit', resolve));
  process.exit();
}
