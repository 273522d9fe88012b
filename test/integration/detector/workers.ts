/**
 * In-process detector workers on the real Kafka and Redis (each with its own Kafka client,
 * consumer and Redis connection, exactly what `netsentinel detector` builds), for the pipeline
 * tests that do not need to kill a process.
 */
import type { Bus } from '../../../services/common/bus/port.ts';
import { createKafkaBus } from '../../../services/common/bus/kafka-bus.ts';
import type { Config } from '../../../services/common/config/schema.ts';
import { createRedisStore, type RedisStore } from '../../../services/common/state/redis-store.ts';
import { DetectorWorker } from '../../../services/detector/worker.ts';
import { logger, newSerde } from './pipeline.ts';

export interface RunningWorkers {
  stop(): Promise<void>;
  stores: RedisStore[];
}

export async function startWorkers(config: Readonly<Config>, count: number): Promise<RunningWorkers> {
  const parts: Array<{ worker: DetectorWorker; bus: Bus; store: RedisStore }> = [];
  const stop = async () => {
    for (const p of parts) {
      await p.worker.stop().catch(() => undefined);
      await p.bus.close().catch(() => undefined);
      await p.store.close().catch(() => undefined);
    }
  };
  try {
    for (let i = 0; i < count; i++) {
      const serde = await newSerde(config);
      const bus = createKafkaBus(config, logger);
      const store = createRedisStore(config, `it-detector-${i}`);
      const worker = new DetectorWorker({ config, bus, serde, store, logger, onFatal: (err) => logger.error({ err }, 'test worker gave up') });
      parts.push({ worker, bus, store });
      await worker.start();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop, stores: parts.map((p) => p.store) };
}
