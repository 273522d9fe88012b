/**
 * What the two sensor commands (sensor, replay) share around their packet loop: the Kafka bus
 * and serde, the stable identity, the counters behind heartbeats and /metrics, and an abort
 * signal raised by SIGINT/SIGTERM so the loop can flush and stop cleanly.
 */
import { createKafkaBus } from '../common/bus/kafka-bus.ts';
import type { Bus } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import { errorLine } from '../common/errors.ts';
import { createLogger, type Logger } from '../common/observability/logger.ts';
import { startMetricsEndpoint } from '../common/observability/metrics.ts';
import { createSerde } from '../common/serde/create-serde.ts';
import type { Serde } from '../common/serde/port.ts';
import { topicNames } from '../common/topics.ts';
import { HeartbeatEmitter } from '../sensor/heartbeat.ts';
import { newCounters, type SensorCounters } from '../sensor/sensor-counters.ts';
import { loadSensorIdentity, type SensorIdentity } from '../sensor/sensor-identity.ts';
import { exposeSensorCounters } from '../sensor/sensor-metrics.ts';

export interface SensorSession {
  config: Readonly<Config>;
  logger: Logger;
  bus: Bus;
  serde: Serde;
  identity: SensorIdentity;
  counters: SensorCounters;
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Sends the last ("stopped") heartbeat and closes everything. */
  close(): Promise<void>;
}

export async function openSensorSession(config: Readonly<Config>, mode: 'live' | 'replay', input: string): Promise<SensorSession> {
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'sensor' });
  const metrics = await startMetricsEndpoint(config.metrics, logger);
  const serde = createSerde(config, logger);
  await serde.init();
  const bus = createKafkaBus(config, logger);
  const identity = loadSensorIdentity(config.sensor);
  const counters = newCounters();
  exposeSensorCounters(counters, identity.id);
  const heartbeat = new HeartbeatEmitter({
    bus,
    serde,
    topic: topicNames(config).heartbeats,
    identity,
    mode,
    input,
    intervalMs: config.sensor.heartbeatIntervalMs,
    counters,
    onError: (err) => logger.warn({ err: errorLine(err) }, 'heartbeat not sent'),
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  heartbeat.start();
  return {
    config,
    logger,
    bus,
    serde,
    identity,
    counters,
    signal: abort.signal,
    close: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await heartbeat.stop();
      await bus.close();
      await metrics?.close();
    },
  };
}
