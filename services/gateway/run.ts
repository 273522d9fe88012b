/**
 * Wires a running gateway: store (Redis or memory), bus + serde, the Fastify app, the ingest
 * consumer and the live updates; listens (HTTPS when a certificate is configured). The embedded
 * mode passes its own in-memory bus and store.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { createKafkaBus } from '../common/bus/kafka-bus.ts';
import { redisOptions } from '../common/redis-connection.ts';
import type { Bus } from '../common/bus/port.ts';
import type { Config } from '../common/config/schema.ts';
import { ConfigError } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import { createSerde } from '../common/serde/create-serde.ts';
import type { Serde } from '../common/serde/port.ts';
import { topicNames, topicSpecs } from '../common/topics.ts';
import { buildGateway } from './app.ts';
import type { GatewayContext } from './context.ts';
import { loadOrCreateCredentials, usersFromCredentials } from './credentials.ts';
import { startIngest, startLiveUpdates } from './ingest.ts';
import { MemoryAlertStore } from './store/memory-alert-store.ts';
import type { AlertStore, AlertStoreLimits } from './store/port.ts';
import { RedisAlertStore } from './store/redis-alert-store.ts';

export interface GatewayDeps {
  bus?: Bus;
  serde?: Serde;
  store?: AlertStore;
  now?: () => number;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  context: GatewayContext;
  /** Resolves once the consumer owns its partitions (alerts published after this are seen). */
  consuming: Promise<void>;
  close(): Promise<void>;
}

export function storeLimits(gateway: Config['gateway']): AlertStoreLimits {
  return {
    recentAlertCap: gateway.recentAlertCap,
    alertTtlMs: gateway.alertTtlHours * 3_600_000,
    topSourcesTracked: gateway.topSourcesTracked,
    sensorOfflineMs: gateway.sensorOfflineSeconds * 1000,
    sensorPruneMs: gateway.sensorPruneHours * 3_600_000,
    maxSensors: gateway.maxSensors,
  };
}

export function createAlertStore(config: Readonly<Config>): AlertStore {
  const limits = storeLimits(config.gateway);
  if (config.gateway.store === 'memory') return new MemoryAlertStore(limits);
  // Password and TLS material exactly as every other Redis client of the deployment reads them.
  const { password, tls } = redisOptions(config, 'netsentinel-gateway');
  return new RedisAlertStore({ url: config.redis.url, password, tls, keyPrefix: config.redis.keyPrefix, limits });
}

export async function startGateway(config: Readonly<Config>, logger: Logger, deps: GatewayDeps = {}): Promise<RunningGateway> {
  let gateway = config.gateway;
  const { tls } = gateway;
  if (Boolean(tls.cert) !== Boolean(tls.key)) throw new ConfigError(`gateway.tls: set both cert and key (cert = ${JSON.stringify(tls.cert)}, key = ${JSON.stringify(tls.key)})`);
  let https: { cert: Buffer; key: Buffer } | null = null;
  if (tls.cert) {
    try {
      https = { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
    } catch (err) {
      throw new ConfigError(`gateway.tls: cannot read ${(err as NodeJS.ErrnoException).path ?? tls.cert} (${(err as NodeJS.ErrnoException).code}); run netsentinel certs`);
    }
  }
  if (gateway.apiKeys.length === 0 && gateway.users.length === 0) {
    const { credentials, created } = loadOrCreateCredentials(gateway.credentialsFile);
    logger.warn({ file: gateway.credentialsFile, created }, 'no gateway.apiKeys or gateway.users configured: using the generated admin user and API key in this file (mode 600)');
    gateway = { ...gateway, apiKeys: [credentials.apiKey], users: usersFromCredentials(credentials) };
  }

  const now = deps.now ?? Date.now;
  const store = deps.store ?? createAlertStore(config);
  const bus = deps.bus ?? createKafkaBus(config, logger);
  const serde = deps.serde ?? createSerde(config, logger);
  const owned = { store: !deps.store, bus: !deps.bus };
  let consumerReady = false;
  const { app, context } = await buildGateway({
    config: gateway,
    store,
    logger,
    now,
    https,
    readiness: async () => ({
      store: await store.stats(now()).then(
        () => true,
        () => false,
      ),
      consumer: consumerReady,
    }),
  });
  try {
    await serde.init();
    await bus.ensureTopics(topicSpecs(config));
    const topics = topicNames(config);
    const replicaId = gateway.replicaId || hostname().replace(/[^A-Za-z0-9_.-]/g, '-');
    const ingest = await startIngest({ bus, serde, store, hub: context.hub, topics, groupId: `netsentinel-gateway-${replicaId}`, logger, now });
    const consuming = ingest.ready.then(() => {
      consumerReady = true;
    });
    const stopLive = startLiveUpdates({ store, hub: context.hub, intervalMs: gateway.ws.statsIntervalMs, threatWindowMinutes: gateway.threatWindowMinutes, now, logger });
    context.hub.startKeepalive();
    const address = await app.listen({ host: gateway.host, port: gateway.port });
    logger.info({ url: address, tls: Boolean(https), replicaId, store: gateway.store }, 'gateway listening');
    return {
      url: address.replace('0.0.0.0', '127.0.0.1'),
      app,
      context,
      consuming,
      close: async () => {
        stopLive();
        context.hub.close();
        await ingest.stop();
        await app.close();
        if (owned.bus) await bus.close();
        if (owned.store) await store.close();
      },
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    if (owned.bus) await bus.close().catch(() => undefined);
    if (owned.store) await store.close().catch(() => undefined);
    throw err;
  }
}
