/**
 * Reads the alerts and heartbeats topics into the store and the live stream. The consumer
 * group is per replica (netsentinel-gateway-<replicaId>), so every replica sees every alert,
 * and a restarted replica resumes where it stopped. Upserts are idempotent (latest revision
 * per id wins), so redelivery after a crash changes nothing.
 */
import type { Bus, PartitionBatch } from '../common/bus/port.ts';
import { counter } from '../common/observability/metrics.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { Alert, Heartbeat } from '../common/model.ts';
import type { Serde } from '../common/serde/port.ts';
import { deriveStats } from './stats.ts';
import type { AlertStore } from './store/port.ts';
import type { WsHub } from './ws-hub.ts';

const ingested = counter('netsentinel_gateway_alerts_ingested_total', 'Alert revisions read from the alerts topic, by outcome', ['outcome']);
const heartbeats = counter('netsentinel_gateway_heartbeats_total', 'Sensor heartbeats read');
const undecodable = counter('netsentinel_gateway_undecodable_messages_total', 'Messages the gateway could not decode (skipped)', ['topic']);

export interface IngestOptions {
  bus: Bus;
  serde: Serde;
  store: AlertStore;
  hub: WsHub;
  topics: { alerts: string; heartbeats: string };
  groupId: string;
  logger: Logger;
  now: () => number;
  /** Where a new consumer group starts. Default true: a new replica loads what the topic retains. */
  fromBeginning?: boolean;
}

export interface Ingest {
  /** Resolves once the consumer owns its partitions. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startIngest(options: IngestOptions): Promise<Ingest> {
  const { bus, serde, store, hub, topics, logger, now } = options;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  async function decodeAll<K extends 'alert' | 'heartbeat'>(kind: K, batch: PartitionBatch): Promise<Array<K extends 'alert' ? Alert : Heartbeat>> {
    const records: Array<K extends 'alert' ? Alert : Heartbeat> = [];
    for (const message of batch.messages) {
      try {
        records.push((await serde.decode(kind, message.value)) as K extends 'alert' ? Alert : Heartbeat);
      } catch (err) {
        undecodable.inc({ topic: batch.topic });
        logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset, err: (err as Error).message }, 'skipping a message the gateway cannot decode');
      }
    }
    return records;
  }

  const subscription = await bus.consume({
    groupId: options.groupId,
    topics: [topics.alerts, topics.heartbeats],
    fromBeginning: options.fromBeginning ?? true,
    onAssignment: () => markReady(),
    onCrash: (err) => logger.error({ err: err.message }, 'gateway consumer stopped'),
    onBatch: async (batch) => {
      if (batch.topic === topics.alerts) {
        const alerts = await decodeAll('alert', batch);
        const results = await store.upsert(alerts, now());
        for (const result of results) {
          ingested.inc({ outcome: result.outcome });
          if (result.stored) hub.broadcast('alert', { ...result.stored, outcome: result.outcome });
        }
      } else if (batch.topic === topics.heartbeats) {
        for (const hb of await decodeAll('heartbeat', batch)) {
          await store.recordHeartbeat(hb, now());
          heartbeats.inc();
        }
      }
    },
  });
  return { ready, stop: () => subscription.stop() };
}

/**
 * Pushes "stats" and "sensors" events every interval while clients are connected: the
 * sensors' online/offline state changes with time alone, and stats are cheaper to push on a
 * clock than after every alert (the seed sent four messages per alert to every browser).
 */
export function startLiveUpdates(options: { store: AlertStore; hub: WsHub; intervalMs: number; threatWindowMinutes: number; now: () => number; logger: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || options.hub.size === 0) return;
    running = true;
    const now = options.now();
    Promise.all([options.store.stats(now), options.store.sensors(now)])
      .then(([raw, sensors]) => {
        options.hub.broadcast('stats', deriveStats(raw, options.threatWindowMinutes, now));
        options.hub.broadcast('sensors', { online: sensors.filter((s) => s.online).length, total: sensors.length, sensors });
      })
      .catch((err: Error) => options.logger.warn({ err: err.message }, 'live update failed'))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
