/**
 * The V8 limits of a worker thread whose heap is capped (detector.heapLimitMb): used by
 * `netsentinel detector` and by the benches that measure the worker as it runs there.
 *
 * Why the growing factor: V8 collects the old generation again once it has grown by a factor
 * of what the last full collection kept, and picks that factor from the heap's maximum size
 * (about ×1.4 at 384 MB against ×4 for Node's default heap on this kind of machine), tuned for
 * small devices. Under the cap the worker ran several times as many full collections as on the
 * main thread: alone on the benchmark capture 103 k packets/s at V8's factor, 155 k at ×2
 * (detector.heapGrowingPercent = 100), for 50 MB more peak RSS; the cap still bounds the heap
 * (docs/performance.md). It is a V8 flag, so it applies to every isolate of the process; the
 * main thread of `netsentinel detector` holds next to nothing.
 */
import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';
import type { Config } from '../common/config/schema.ts';

export function heapCappedLimits(config: Readonly<Config>): ResourceLimits {
  const growing = config.detector.heapGrowingPercent;
  if (growing > 0) setFlagsFromString(`--heap-growing-percent=${growing}`);
  return { maxOldGenerationSizeMb: config.detector.heapLimitMb };
}
