/**
 * `netsentinel detector` runs its worker in a heap-capped thread (detector.heapLimitMb): a
 * worker that reaches the cap ends the process with exit 1 and one line naming the setting,
 * and a start failure inside the thread still gives the command's usual one-line error.
 * (Running workers, SIGTERM and SIGKILL: test/integration/detector/worker-kill.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function detector(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/netsentinel.js', 'detector'], {
    env: { ...process.env, NETSENTINEL_METRICS_ENABLED: 'false', NETSENTINEL_KAFKA_BROKERS: '127.0.0.1:1', NETSENTINEL_REGISTRY_URL: '', NETSENTINEL_REDIS_URL: 'redis://127.0.0.1:1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('netsentinel detector', () => {
  it('exits 1 naming detector.heapLimitMb when the worker thread reaches its heap cap', () => {
    const { status, stderr } = detector({ NETSENTINEL_DETECTOR_HEAP_LIMIT_MB: '8' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^netsentinel: Worker terminated due to reaching memory limit.*\(detector\.heapLimitMb is 8: raise it, or lower detector\.cacheMaxKeys\)$/m);
  });

  it('reports a start failure inside the thread as one NS_ERR line and exits 1', () => {
    const { status, stderr } = detector({});
    expect(status).toBe(1);
    expect(stderr).toMatch(/^netsentinel: NS_ERR_BUS: kafka 127\.0\.0\.1:1: .*ECONNREFUSED/m);
  });
});
