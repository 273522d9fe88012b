import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { envNameOf } from '../../../../services/common/config/schema-walk.ts';

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));

  it('gives every default when nothing is set, frozen', () => {
    const config = loadConfig({ env: {} });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.registry.url).toBe('');
    expect(Object.isFrozen(config.kafka)).toBe(true);
  });

  it('layers file < environment < command-line overrides', () => {
    const file = join(dir, 'layers.yaml');
    writeFileSync(file, 'kafka:\n  brokers: [kafka-a:9092, kafka-b:9092]\ngateway:\n  port: 9000\nlog:\n  level: debug\n');
    const config = loadConfig({ file, env: { NETSENTINEL_GATEWAY_PORT: '9100' }, overrides: { 'log.level': 'warn' } });
    expect(config.kafka.brokers).toEqual(['kafka-a:9092', 'kafka-b:9092']);
    expect(config.gateway.port).toBe(9100);
    expect(config.log.level).toBe('warn');
  });

  it('derives environment names from paths', () => {
    expect(envNameOf('sensor.batchMaxPackets')).toBe('NETSENTINEL_SENSOR_BATCH_MAX_PACKETS');
    const config = loadConfig({ env: { NETSENTINEL_KAFKA_BROKERS: 'a:1, b:2', NETSENTINEL_METRICS_ENABLED: 'false' } });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.metrics.enabled).toBe(false);
  });

  // Each kind of bad value: one line naming the key, the value, what was expected and where it came from.
  it.each([
    [{ NETSENTINEL_GATEWAY_PORT: 'eighty' }, 'config gateway.port = "eighty": expected number, got string (from environment NETSENTINEL_GATEWAY_PORT)'],
    [{ NETSENTINEL_GATEWAY_PORT: '70000' }, 'config gateway.port = 70000: expected a number <= 65535 (from environment NETSENTINEL_GATEWAY_PORT)'],
    [{ NETSENTINEL_SENSOR_BATCH_MAX_PACKETS: '0' }, 'config sensor.batchMaxPackets = 0: expected a number >= 1 (from environment NETSENTINEL_SENSOR_BATCH_MAX_PACKETS)'],
    [{ NETSENTINEL_LOG_LEVEL: 'loud' }, 'config log.level = "loud": expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (from environment NETSENTINEL_LOG_LEVEL)'],
    [{ NETSENTINEL_KAFKA_BROKERS: 'kafka' }, 'config kafka.brokers[0] = "kafka": expected host:port (from environment NETSENTINEL_KAFKA_BROKERS)'],
    [{ NETSENTINEL_REGISTRY_URL: 'registry:8081' }, 'config registry.url = "registry:8081": expected a URL such as http://host:port (from environment NETSENTINEL_REGISTRY_URL)'],
    [{ NETSENTINEL_REDIS_URL: 'localhost:6379' }, 'config redis.url = "localhost:6379": expected redis://host:port or rediss://host:port (from environment NETSENTINEL_REDIS_URL)'],
    [{ NETSENTINEL_METRICS_ENABLED: 'maybe' }, 'config metrics.enabled = "maybe": expected boolean, got string (from environment NETSENTINEL_METRICS_ENABLED)'],
  ])('rejects %j with one clear line', (env, line) => {
    const err = errorOf(() => loadConfig({ env }));
    expect(err.code).toBe('NS_ERR_CONFIG');
    expect(err.message).toBe(line);
    expect(err.message).not.toContain('\n');
  });

  it('names unknown keys and the file they came from', () => {
    const file = join(dir, 'unknown.json');
    writeFileSync(file, JSON.stringify({ kafka: { brokerz: ['a:1'] } }));
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toBe(`config kafka.brokerz: unknown key (from ${file}) (see docs/configuration.md)`);
  });

  it('names a wrong type in a file', () => {
    const file = join(dir, 'types.json');
    writeFileSync(file, JSON.stringify({ kafka: { brokers: '127.0.0.1:9092' } }));
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toBe(`config kafka.brokers = "127.0.0.1:9092": expected array, got string (from ${file})`);
  });

  it('reports a missing file and a file that does not parse', () => {
    expect(errorOf(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} })).message).toBe(`config file ${join(dir, 'absent.yaml')}: cannot read it (ENOENT)`);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "kafka": ');
    expect(errorOf(() => loadConfig({ file, env: {} })).message).toMatch(new RegExp(`^config file ${file}: not valid JSON: `));
  });
});
