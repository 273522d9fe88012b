/**
 * Starts a worker thread running a TypeScript module (see ts-thread.mjs for why a plain
 * bootstrap module is needed). The module reads the rest of workerData itself.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startTsThread(entry: URL, workerData: Record<string, unknown>, options: Pick<WorkerOptions, 'resourceLimits' | 'argv'> = {}): Worker {
  return new Worker(new URL('./ts-thread.mjs', import.meta.url), { ...options, workerData: { ...workerData, entry: entry.href } });
}
