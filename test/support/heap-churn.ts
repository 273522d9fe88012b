/**
 * Test fixture (test/unit/detector/heap-capped.test.ts): runs a fixed allocation pattern in a
 * thread started with heapCappedLimits() and prints how many full (mark-compact) collections
 * it took, as JSON (V8's --trace-gc output, when asked for, goes to stdout too). The pattern
 * keeps ~40 MB live and pushes ~1 GB through a ring that holds each object long enough to
 * reach the old generation, as the worker's state and packets do.
 *
 *   node --import tsx test/support/heap-churn.ts <heapLimitMb> <heapGrowingPercent>
 */
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../../services/common/config/load.ts';
import { heapCappedLimits } from '../../services/detector/heap-capped.ts';

const [heapLimitMb, growing] = process.argv.slice(2);
const config = loadConfig({ env: { NETSENTINEL_DETECTOR_HEAP_LIMIT_MB: heapLimitMb, NETSENTINEL_DETECTOR_HEAP_GROWING_PERCENT: growing } });

const churn = `
const { parentPort } = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');
let major = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
}).observe({ entryTypes: ['gc'] });
const live = [];
for (let i = 0; i < 80000; i++) live.push(new Array(64).fill(i));
const ring = new Array(20000);
for (let i = 0; i < 2000000; i++) ring[i % ring.length] = new Array(64).fill(i);
setTimeout(() => parentPort.postMessage({ major, live: live.length }), 50);
`;
const thread = new Worker(churn, { eval: true, resourceLimits: heapCappedLimits(config) });
thread.once('message', (m: { major: number }) => {
  process.stdout.write(`${JSON.stringify({ majorCollections: m.major })}\n`);
  void thread.terminate();
});
