/**
 * The whole configuration as one schema. Each section lives in its own file under
 * sections/; this file only composes them. Every leaf carries a description: the table in
 * docs/configuration.md is generated from it (npm run docs:config).
 */
import { z } from 'zod';
import { kafkaSection, redisSection, registrySection, topicsSection } from './sections/connections.ts';
import { detectorSection } from './sections/detector.ts';
import { gatewaySection } from './sections/gateway.ts';
import { intelSection } from './sections/intel.ts';
import { logSection, metricsSection } from './sections/runtime.ts';
import { sensorSection } from './sections/sensor.ts';

export const configSchema = z
  .object({
    kafka: kafkaSection.describe('Kafka connection.'),
    registry: registrySection.describe('Schema registry.'),
    redis: redisSection.describe('Redis connection.'),
    topics: topicsSection.describe('Topic names.'),
    log: logSection.describe('Logging.'),
    metrics: metricsSection.describe('Prometheus metrics.'),
    sensor: sensorSection.describe('Sensor.'),
    detector: detectorSection.describe('Detector workers.'),
    intel: intelSection.describe('Threat intelligence.'),
    gateway: gatewaySection.describe('Gateway and dashboard.'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/**
 * Environment variables that do not follow the NETSENTINEL_<PATH> rule, because users
 * already know them by these names.
 */
export const ENV_ALIASES: Record<string, string> = {
  VIRUSTOTAL_API_KEY: 'intel.virustotal.apiKey',
};
