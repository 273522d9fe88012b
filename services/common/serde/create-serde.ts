import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { Serde } from './port.ts';
import { RegistrySerde } from './registry-serde.ts';
import { SingleObjectSerde } from './single-object-serde.ts';
import { topicNames } from '../topics.ts';

/** Registry framing when a registry is configured, single-object framing otherwise. */
export function createSerde(config: Readonly<Config>, logger: Logger): Serde {
  if (!config.registry.url) return new SingleObjectSerde();
  const topics = topicNames(config);
  return new RegistrySerde({
    url: config.registry.url,
    username: config.registry.username || undefined,
    password: config.registry.password || undefined,
    subjects: {
      packetBatch: `${topics.packets}-value`,
      alert: `${topics.alerts}-value`,
      heartbeat: `${topics.heartbeats}-value`,
    },
    logger,
  });
}
