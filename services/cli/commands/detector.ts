/**
 * `netsentinel detector`: one stateless detector worker (Kafka consumer group + Redis state).
 * Run as many as the packets topic has partitions; any worker takes over any partition.
 * Exits 1 when its consumer keeps failing (see DetectorWorker): run it under a supervisor.
 */
import type { Command } from 'commander';
import { createKafkaBus } from '../../common/bus/kafka-bus.ts';
import { serveMetrics } from '../../common/observability/metrics.ts';
import { createSerde } from '../../common/serde/create-serde.ts';
import { createRedisStore } from '../../common/state/redis-store.ts';
import { startIntelLookups } from '../../detector/intel/lookup-loop.ts';
import { DetectorWorker } from '../../detector/worker.ts';
import { commandRuntime, onShutdown, withConfigOptions } from '../runtime.ts';

export function registerDetector(program: Command): void {
  withConfigOptions(program.command('detector').description('run a detector worker: packets topic -> detectors (state in Redis) -> alerts topic')).action(
    async (opts: { config?: string; logLevel?: string }) => {
      const { config, logger } = commandRuntime(opts, {}, 'detector');
      const serde = createSerde(config, logger);
      await serde.init();
      const bus = createKafkaBus(config, logger);
      const store = createRedisStore(config);
      const metrics = config.metrics.enabled ? await serveMetrics(config.metrics.host, config.metrics.port) : null;
      const intel = startIntelLookups(config, store, logger);
      // The worker re-joins on its own a few times; when it gives up, exit non-zero so the
      // supervisor restarts the process (a worker must never sit in the group idle).
      const worker = new DetectorWorker({
        config,
        bus,
        serde,
        store,
        logger,
        onFatal: () => {
          intel.stop();
          const exit = () => process.exit(1);
          setTimeout(exit, 5000).unref();
          void Promise.allSettled([bus.close(), store.close(), metrics?.close()]).then(exit);
        },
      });
      await worker.start();
      logger.info({ groupId: config.detector.groupId, metrics: metrics?.url, virustotal: config.intel.virustotal.apiKey !== '' }, 'detector worker started');
      onShutdown(logger, async () => {
        await worker.stop();
        intel.stop();
        await bus.close();
        await store.close();
        await metrics?.close();
      });
    },
  );
}
