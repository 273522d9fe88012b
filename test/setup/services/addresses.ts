// The addresses of the three services the integration tests use, and their environment names
// (the same variables the NetSentinel services read their configuration from).

export interface TestServices {
  /** Kafka bootstrap brokers, host:port. */
  kafkaBrokers: string[];
  /** Confluent-compatible schema registry base URL. */
  registryUrl: string;
  /** redis:// URL. */
  redisUrl: string;
}

export const SERVICES_ENV = {
  kafkaBrokers: 'NETSENTINEL_KAFKA_BROKERS',
  registryUrl: 'NETSENTINEL_REGISTRY_URL',
  redisUrl: 'NETSENTINEL_REDIS_URL',
} as const;

/** The env vars that point a child process (or the config loader) at `services`. */
export function servicesEnv(services: TestServices): Record<string, string> {
  return {
    [SERVICES_ENV.kafkaBrokers]: services.kafkaBrokers.join(','),
    [SERVICES_ENV.registryUrl]: services.registryUrl,
    [SERVICES_ENV.redisUrl]: services.redisUrl,
  };
}

/**
 * Services named in the environment, if all three are. One or two alone are an error: a run
 * that silently mixed given and self-started services would test something nobody asked for.
 */
export function servicesFromEnv(env: NodeJS.ProcessEnv = process.env): TestServices | undefined {
  const brokers = env[SERVICES_ENV.kafkaBrokers]?.trim() ?? '';
  const registryUrl = env[SERVICES_ENV.registryUrl]?.trim() ?? '';
  const redisUrl = env[SERVICES_ENV.redisUrl]?.trim() ?? '';
  const given = [brokers, registryUrl, redisUrl].filter((value) => value !== '').length;
  if (given === 0) return undefined;
  if (given < 3) {
    const missing = Object.entries({ [SERVICES_ENV.kafkaBrokers]: brokers, [SERVICES_ENV.registryUrl]: registryUrl, [SERVICES_ENV.redisUrl]: redisUrl })
      .filter(([, value]) => value === '')
      .map(([name]) => name);
    throw new Error(`test services: set all three of ${Object.values(SERVICES_ENV).join(', ')} or none; missing ${missing.join(', ')}`);
  }
  return {
    kafkaBrokers: brokers.split(',').map((broker) => broker.trim()).filter((broker) => broker !== ''),
    registryUrl,
    redisUrl,
  };
}
