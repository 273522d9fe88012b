// A Confluent-compatible schema registry: Apicurio Registry with in-memory (H2) storage,
// serving the Confluent API under /apis/ccompat/v7. Karapace is not published on PyPI and
// Confluent's own registry is not on Maven Central; Apicurio's classes are.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRegistryJar } from './paths.ts';
import { freePort, spawnService, stopProcessGroupNow, waitUntilReady, type ServiceProcess } from './process.ts';

export interface LocalRegistry {
  proc: ServiceProcess;
  /** Base URL of the Confluent-compatible API (what @kafkajs/confluent-schema-registry takes as host). */
  url: string;
}

export const CCOMPAT_PATH = '/apis/ccompat/v7';

export async function startLocalRegistry(workDir: string, timeoutMs = 120_000): Promise<LocalRegistry> {
  const jar = ensureRegistryJar();
  const dir = join(workDir, 'registry');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'registry.log');
  const proc = spawnService({
    name: 'registry',
    command: 'java',
    args: [
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Djava.io.tmpdir=${dir}`,
      // Apicurio's own application.properties sets %prod values; profile-qualified keys win there.
      `-D%prod.quarkus.http.port=${port}`,
      `-Dquarkus.http.port=${port}`,
      '-D%prod.quarkus.http.host=127.0.0.1',
      '-Dquarkus.http.host=127.0.0.1',
      '-jar',
      jar,
    ],
    env: { ...process.env, HTTP_PORT: String(port), QUARKUS_HTTP_HOST: '127.0.0.1' },
    cwd: dir,
    logFile,
  });
  const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
  try {
    await waitUntilReady(
      async () => {
        const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.status === 200;
      },
      { proc, timeoutMs, intervalMs: 300, what: 'GET /subjects to answer 200' },
    );
  } catch (error) {
    stopProcessGroupNow(proc.pid);
    throw error;
  }
  return { proc, url };
}
