/**
 * `analyze` alone on the benchmark capture (not a test; prints figures): packets/s, packets per
 * CPU-second, RSS and a digest of the alerts (to compare before/after a change), `runs` times in one process. For profiling:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/detector-analyze.ts [minPackets] [runs]
 * Configuration is the defaults plus NETSENTINEL_DETECTOR_* variables (e.g.
 * NETSENTINEL_DETECTOR_ANALYZE_CACHE_MAX_KEYS), so a setting can be compared without a file.
 * --no-detectors disables every detector: what is left is the floor under any detector work
 * (read, decode, partitioning, the engine's batches), the speed `analyze` cannot pass.
 * `netsentinel analyze` runs with 32 MB semi-spaces and one V8 helper thread fewer than the
 * machine has cores, at most 4 (bin/v8-flags.js); to measure it as it runs on two cores:
 *   node --min-semi-space-size=32 --max-semi-space-size=32 --v8-pool-size=1 --import tsx bench/detector-analyze.ts
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../services/common/config/load.ts';
import { analyzeFiles } from '../services/detector/analyze-runner.ts';
import { benchCapture } from './sensor-capture.ts';

const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
const minPackets = numbers[0] ?? 1_000_000;
const runs = numbers[1] ?? 1;
const noDetectors = args.includes('--no-detectors');
const { file, packets } = await benchCapture(minPackets);
const loaded = loadConfig({ env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('NETSENTINEL_DETECTOR_'))) });
const config = noDetectors ? withoutDetectors(loaded) : loaded;
if (noDetectors) console.log('every detector disabled (--no-detectors)');

/** The configuration with every detector section's `enabled` false. */
function withoutDetectors(c: typeof loaded): typeof loaded {
  const copy = structuredClone(c);
  for (const section of Object.values(copy.detector)) {
    if (section !== null && typeof section === 'object' && 'enabled' in section) (section as { enabled: boolean }).enabled = false;
  }
  return copy;
}
for (let r = 0; r < runs; r++) {
  const cpu0 = process.cpuUsage();
  const result = await analyzeFiles(config, [file]);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `analyze: ${result.packets} of ${packets} packets in ${result.seconds.toFixed(2)} s = ${(result.packets / result.seconds / 1000).toFixed(0)} k packets/s; ` +
      `${(result.packets / cpuSeconds / 1000).toFixed(0)} k per CPU-second (${cpuSeconds.toFixed(2)} CPU-s); ${result.incidents.length} incidents, ${result.alerts.length} alert revisions (sha256 ${createHash('sha256').update(JSON.stringify(result.alerts)).digest('hex').slice(0, 12)}); RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
}
