// The same three services as containers, for machines where a Docker engine answers.
// Images match the local processes: Kafka 3.9 (cp-kafka 7.9) in KRaft mode, Apicurio 2.4.2
// in-memory, Redis 7. testcontainers is imported lazily so that a machine without Docker
// never loads it.
import { spawnSync } from 'node:child_process';
import type { TestServices } from './addresses.ts';
import { APICURIO_VERSION } from './paths.ts';
import { CCOMPAT_PATH } from './registry.ts';

export const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
export const REGISTRY_IMAGE = `apicurio/apicurio-registry-mem:${APICURIO_VERSION}`;
export const REDIS_IMAGE = 'redis:7.2-alpine';

/**
 * True when `docker info` succeeds within a few seconds. No engine (no socket, daemon down)
 * makes it fail in milliseconds, so machines without Docker pay nothing for this check.
 * NETSENTINEL_TEST_SERVICES=local skips it outright.
 */
export function dockerAnswers(timeoutMs = 8_000): boolean {
  if (process.env.NETSENTINEL_TEST_SERVICES === 'local') return false;
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return result.status === 0 && result.stdout.trim() !== '';
}

export interface ContainerServices {
  services: TestServices;
  stop(): Promise<void>;
}

export async function startContainerServices(): Promise<ContainerServices> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { KafkaContainer } = await import('@testcontainers/kafka');

  const kafkaPromise = new KafkaContainer(KAFKA_IMAGE)
    .withKraft()
    .withEnvironment({ KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true' })
    .start();
  const registryPromise = new GenericContainer(REGISTRY_IMAGE)
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp(`${CCOMPAT_PATH}/subjects`, 8080).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start();
  const redisPromise = new GenericContainer(REDIS_IMAGE)
    .withExposedPorts(6379)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();

  const results = await Promise.allSettled([kafkaPromise, registryPromise, redisPromise]);
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.allSettled(started.map((container) => container.stop()));
  };
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) {
    await stop();
    throw new Error(`test service containers failed to start:\n${failures.map((f) => (f.reason as Error).message).join('\n')}`);
  }
  const [kafka, registry, redis] = started as [(typeof started)[number], (typeof started)[number], (typeof started)[number]];
  return {
    services: {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}${CCOMPAT_PATH}`,
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    },
    stop,
  };
}
