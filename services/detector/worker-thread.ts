/**
 * The detector service in a thread of its own, so that its V8 heap can be capped
 * (detector.heapLimitMb through the thread's resourceLimits; a running process cannot change
 * its own). The main thread keeps the signals: it posts 'stop', and this thread stops the
 * service and ends. Exit code 1 when the worker gives up (see service.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../common/config/schema.ts';
import { createLogger } from '../common/observability/logger.ts';
import { startDetectorService } from './service.ts';

const config = (workerData as { config: Readonly<Config> }).config;
const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'detector' });
const service = await startDetectorService(config, logger, () => process.exit(1));
parentPort!.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  service.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
});
