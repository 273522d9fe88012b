// Where the local test services come from: pinned versions, the cache outside the repo that
// holds their artifacts, and the commands that fill it (also run by scripts/install-deps.sh).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

/**
 * Kafka 3.9.x, not 4.x: Kafka 4.0 removed old protocol versions (KIP-896). kafkajs 2.2.4 is
 * unmaintained and was never tested against 4.x; 3.9 is the last line that still accepts every
 * request version any client sends, so the tests exercise our code, not a version mismatch.
 */
export const KAFKA_VERSION = '3.9.1';
/** Apicurio 2.4.2: the newest release whose modules are all on Maven Central (2.6.x and 3.x miss some). */
export const APICURIO_VERSION = '2.4.2.Final';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function cacheRoot(): string {
  return process.env.NETSENTINEL_CACHE_DIR ?? join(homedir(), '.cache', 'netsentinel');
}

export function kafkaLibsDir(): string {
  return join(cacheRoot(), `kafka-${KAFKA_VERSION}`, 'libs');
}

/**
 * The registry's runnable jar. Apicurio's own application.properties asks Quarkus for a
 * "legacy-jar": the runner jar plus a lib/ folder beside it, kept together in this directory.
 */
export function registryJar(): string {
  return join(cacheRoot(), `apicurio-${APICURIO_VERSION}`, 'apicurio-registry-local-0-runner.jar');
}

/** State of `npm run services:up`: PIDs and addresses of the detached services. */
export function servicesStateFile(): string {
  return join(cacheRoot(), 'services.json');
}

const mavenSettings = join(repoRoot, 'scripts/services/maven-settings.xml');

function runMaven(args: string[], what: string): void {
  const result = spawnSync('mvn', ['-q', '-B', '-s', mavenSettings, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`fetching ${what} with mvn failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
}

/** Fetches the Kafka jars once; later calls return at once. */
export function ensureKafkaLibs(): string {
  const libs = kafkaLibsDir();
  if (existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) return libs;
  // Copy into a sibling first so an interrupted fetch never looks complete.
  const partial = `${libs}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(libs), { recursive: true });
  runMaven(
    ['-f', join(repoRoot, 'scripts/services/kafka-pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`],
    `Kafka ${KAFKA_VERSION}`,
  );
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  return libs;
}

/** Builds the runnable registry once; later calls return at once. */
export function ensureRegistryJar(): string {
  const jar = registryJar();
  if (existsSync(jar)) return jar;
  const out = dirname(jar);
  // Build into a sibling first so an interrupted build never looks complete.
  const work = `${out}.build`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  runMaven(['-f', join(repoRoot, 'scripts/services/registry-pom.xml'), 'package', `-Dns.out=${work}`], `Apicurio Registry ${APICURIO_VERSION}`);
  if (!existsSync(join(work, basename(jar)))) {
    throw new Error(`the registry build left no ${basename(jar)} in ${work} (found: ${readdirSync(work).join(', ')})`);
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(work, out);
  return jar;
}
