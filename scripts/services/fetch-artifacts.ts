// Fills the cache with the local test services' artifacts (Kafka jars, registry jar) so the
// first test run does not pay for it. Each step returns at once when its artifact is there.
import { ensureKafkaLibs, ensureRegistryJar, KAFKA_VERSION, APICURIO_VERSION } from '../../test/setup/services/paths.ts';

const steps: [string, () => string][] = [
  [`Kafka ${KAFKA_VERSION}`, ensureKafkaLibs],
  [`Apicurio Registry ${APICURIO_VERSION}`, ensureRegistryJar],
];
for (const [what, ensure] of steps) {
  const started = Date.now();
  const path = ensure();
  process.stderr.write(`${what}: ${path} (${Date.now() - started} ms)\n`);
}
