/**
 * `netsentinel detector`: one stateless detector worker (Kafka consumer group + Redis state).
 * Run as many as the packets topic has partitions; any worker takes over any partition.
 * Exits 1 when its consumer keeps failing (see DetectorWorker): run it under a supervisor.
 * The worker runs in a thread whose heap is capped at detector.heapLimitMb (0: on this thread).
 */
import type { Command } from 'commander';
import type { Config } from '../../common/config/schema.ts';
import type { Logger } from '../../common/observability/logger.ts';
import { startTsThread } from '../../common/ts-thread.ts';
import { heapCappedLimits } from '../../detector/heap-capped.ts';
import { startDetectorService } from '../../detector/service.ts';
import { commandRuntime, onShutdown, withConfigOptions } from '../runtime.ts';

export function registerDetector(program: Command): void {
  withConfigOptions(
    program
      .command('detector')
      .description('run a detector worker: packets topic -> detectors (state in Redis) -> alerts topic')
      .addHelpText('after', '\nThe worker runs in a thread whose heap is capped at detector.heapLimitMb (default 384; 0 = no thread, Node\'s default heap sizing).'),
  ).action(async (opts: { config?: string; logLevel?: string }) => {
    const { config, logger } = commandRuntime(opts, {}, 'detector');
    if (config.detector.heapLimitMb === 0) {
      const service = await startDetectorService(config, logger, () => process.exit(1));
      onShutdown(logger, () => service.stop());
      return;
    }
    runInThread(config, logger);
  });
}

function runInThread(config: Readonly<Config>, logger: Logger): void {
  const thread = startTsThread(new URL('../../detector/worker-thread.ts', import.meta.url), { config }, { resourceLimits: heapCappedLimits(config) });
  const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
  let stopping = false;
  thread.on('error', (err: Error & { code?: string }) => {
    // Uncaught in the thread (a start that failed: Kafka, Redis, the registry), or
    // ERR_WORKER_OUT_OF_MEMORY: the heap cap was reached. One line, as for any command.
    const hint = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? ` (detector.heapLimitMb is ${config.detector.heapLimitMb}: raise it, or lower detector.cacheMaxKeys)` : '';
    process.stderr.write(`netsentinel: ${err.code?.startsWith('NS_ERR_') ? `${err.code}: ` : ''}${err.message}${hint}\n`);
    logger.debug({ err }, 'detector worker thread failed');
  });
  void exited.then((code) => {
    if (!stopping) process.exit(code === 0 ? 1 : code);
  });
  onShutdown(logger, async () => {
    stopping = true;
    thread.postMessage('stop');
    const code = await exited;
    if (code !== 0) throw new Error(`the detector worker thread exited with code ${code}`);
  });
}
