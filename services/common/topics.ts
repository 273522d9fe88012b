import type { TopicSpec } from './bus/port.ts';
import type { Config } from './config/schema.ts';

export interface TopicNames {
  packets: string;
  alerts: string;
  heartbeats: string;
  dlq: string;
}

/** Full topic names: the configured prefix + each topic's name. */
export function topicNames(config: Readonly<Config>): TopicNames {
  const { prefix, packets, alerts, heartbeats, dlq } = config.topics;
  return { packets: prefix + packets, alerts: prefix + alerts, heartbeats: prefix + heartbeats, dlq: prefix + dlq };
}

/** The topics every deployment needs; created at start by whichever service comes first. */
export function topicSpecs(config: Readonly<Config>): TopicSpec[] {
  const names = topicNames(config);
  const partitions = config.kafka.partitions;
  return [
    { name: names.packets, partitions },
    { name: names.alerts, partitions: Math.min(partitions, 3) },
    { name: names.heartbeats, partitions: 1, compacted: true },
    { name: names.dlq, partitions: 1, retentionMs: 7 * 24 * 3600 * 1000 },
  ];
}
