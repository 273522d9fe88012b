/**
 * The detector worker service as `netsentinel detector` runs it, on the main thread or in the
 * heap-capped thread of worker-thread.ts: serde, Kafka bus, Redis state, metrics endpoint,
 * VirusTotal lookups and the DetectorWorker, with one stop() for all of them.
 */
import { createKafkaBus } from '../common/bus/kafka-bus.ts';
import type { Config } from '../common/config/schema.ts';
import type { Logger } from '../common/observability/logger.ts';
import { serveMetrics } from '../common/observability/metrics.ts';
import { createSerde } from '../common/serde/create-serde.ts';
import { createRedisStore } from '../common/state/redis-store.ts';
import { startIntelLookups } from './intel/lookup-loop.ts';
import { DetectorWorker } from './worker.ts';

export interface DetectorService {
  stop(): Promise<void>;
}

/**
 * Starts the service. onFatal runs when the worker gives up re-joining its group, after
 * everything was closed (best effort, at most 5 s): the caller exits non-zero so that the
 * supervisor restarts the process (a worker must never sit in the group idle).
 */
export async function startDetectorService(config: Readonly<Config>, logger: Logger, onFatal: () => void): Promise<DetectorService> {
  const serde = createSerde(config, logger);
  await serde.init();
  const bus = createKafkaBus(config, logger);
  const store = createRedisStore(config);
  const metrics = config.metrics.enabled ? await serveMetrics(config.metrics.host, config.metrics.port) : null;
  const intel = startIntelLookups(config, store, logger);
  const worker = new DetectorWorker({
    config,
    bus,
    serde,
    store,
    logger,
    onFatal: () => {
      intel.stop();
      setTimeout(onFatal, 5000).unref();
      void Promise.allSettled([bus.close(), store.close(), metrics?.close()]).then(onFatal);
    },
  });
  await worker.start();
  logger.info({ groupId: config.detector.groupId, metrics: metrics?.url, virustotal: config.intel.virustotal.apiKey !== '', heapLimitMb: config.detector.heapLimitMb }, 'detector worker started');
  return {
    stop: async () => {
      await worker.stop();
      intel.stop();
      await bus.close();
      await store.close();
      await metrics?.close();
    },
  };
}
