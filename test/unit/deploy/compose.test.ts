/**
 * No Docker engine runs on the CI machines, so `docker compose config` cannot check the lab.
 * This test does what it would, and more: every service, image, port, volume, dependency and
 * environment variable of docker-compose.yml is checked against what the code expects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../services/cli/commands/index.ts';
import { configSchema, ENV_ALIASES } from '../../../services/common/config/schema.ts';
import { listLeaves } from '../../../services/common/config/schema-walk.ts';

const root = new URL('../../../', import.meta.url);
const compose = YAML.parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  deploy?: { replicas?: number };
  cap_add?: string[];
  network_mode?: string;
}

const netsentinelServices = Object.entries(compose.services).filter(([, s]) => s.image === 'netsentinel:latest');
const program = new Command('netsentinel').exitOverride();
for (const entry of COMMANDS) (await entry.load())(program);
const configEnv = new Set([...listLeaves(configSchema).map((leaf) => leaf.env), ...Object.keys(ENV_ALIASES)]);

describe('docker-compose.yml', () => {
  it('has the lab services the design names', () => {
    for (const name of ['kafka', 'schema-registry', 'redis', 'init', 'sensor', 'sensor-live', 'detector', 'gateway', 'prometheus', 'grafana']) {
      expect(compose.services, name).toHaveProperty(name);
    }
    expect(compose.services.detector.deploy?.replicas).toBe(2);
    expect(compose.services['sensor-live'].profiles).toEqual(['live']);
    expect(compose.services['sensor-live'].cap_add).toEqual(expect.arrayContaining(['NET_RAW', 'NET_ADMIN']));
    expect(compose.services['sensor-live'].network_mode).toBe('host');
    expect(compose.services.prometheus.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana.profiles).toEqual(['monitoring']);
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('gives every service a pinned image, a restart policy and (long-running ones) a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, `${name} image`).toMatch(/^[\w./-]+:[\w.-]+$/);
      // Third-party images are pinned; ours is built from this checkout by the init service.
      if (service.image !== 'netsentinel:latest') expect(service.image, `${name} image is pinned`).not.toMatch(/:latest$/);
      expect(service.restart, `${name} restart`).toBeDefined();
      // init is a one-shot job: others wait for it to complete, a health check has no meaning there.
      if (name !== 'init') expect(service.healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(0);
    }
  });

  it('runs the netsentinel services with the very CLI commands and flags the tests exercise', () => {
    expect(netsentinelServices.length).toBeGreaterThanOrEqual(5);
    expect(compose.services.init.build).toBe('.');
    for (const [name, service] of netsentinelServices) {
      const [commandName, ...args] = service.command ?? [];
      const command = program.commands.find((c) => c.name() === commandName);
      expect(command, `${name}: netsentinel ${commandName} exists`).toBeDefined();
      const flags = new Set(command!.options.flatMap((o) => [o.long, o.short].filter(Boolean)));
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(flags.has(arg), `${name}: netsentinel ${commandName} ${arg}`).toBe(true);
    }
  });

  it('sets only environment variables the configuration knows', () => {
    for (const [name, service] of netsentinelServices) {
      for (const key of Object.keys(service.environment ?? {})) {
        if (key === 'NODE_OPTIONS') continue; // Node's own (heap limit of the workers)
        expect(configEnv.has(key), `${name}: ${key} is a configuration variable (docs/configuration.md)`).toBe(true);
      }
    }
  });

  it('depends only on services that exist, waiting for health or completion', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services, `${name} -> ${dependency}`).toHaveProperty(dependency);
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_completed_successfully') expect(dependency).toBe('init');
      }
    }
  });

  it('declares every named volume and finds every bind-mounted file in the repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect(existsSync(new URL(source.slice(2), root)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('publishes the gateway on the port it listens on, and the infrastructure on loopback only', () => {
    const gateway = compose.services.gateway;
    expect(gateway.ports).toEqual([`${gateway.environment!.NETSENTINEL_GATEWAY_PORT}:${gateway.environment!.NETSENTINEL_GATEWAY_PORT}`]);
    for (const name of ['kafka', 'schema-registry', 'redis']) {
      for (const port of compose.services[name].ports ?? []) expect(port, `${name} ${port}`).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('replays demo captures that are in the repository (the image copies the repo to /app)', () => {
    const replayArgs = compose.services.sensor.command!.filter((a) => a.startsWith('/app/'));
    expect(replayArgs.length).toBeGreaterThan(0);
    for (const path of replayArgs) expect(existsSync(new URL(path.slice('/app/'.length), root)), path).toBe(true);
  });

  it('has an .env.example for every ${VAR} the file substitutes', () => {
    const text = readFileSync(new URL('docker-compose.yml', root), 'utf8');
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const substituted = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    for (const variable of substituted) expect(example, variable).toMatch(new RegExp(`^${variable}=`, 'm'));
  });

  it('has a Dockerfile whose entrypoint is the netsentinel CLI', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20[\w.-]* AS build$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/netsentinel.js"]');
  });
});

describe('monitoring profile', () => {
  const dashboard = JSON.parse(readFileSync(new URL('dashboards/grafana/dashboards/netsentinel-pipeline.json', root), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };

  it('provisions a Grafana dashboard with throughput, consumer lag, Redis latency and alerts by category', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase());
    for (const topic of ['throughput', 'consumer lag', 'redis', 'alerts by category']) expect(titles.some((t) => t.includes(topic)), topic).toBe(true);
  });

  it('queries only metrics that NetSentinel or the Kafka exporter export', async () => {
    // Import every module that registers metrics, then compare names with the dashboard's.
    await import('../../../services/detector/worker.ts');
    await import('../../../services/gateway/ingest.ts');
    await import('../../../services/gateway/ws-hub.ts');
    await import('../../../services/common/state/redis-store.ts');
    const { exposeSensorCounters } = await import('../../../services/sensor/sensor-metrics.ts');
    exposeSensorCounters({ packetsSeen: 0, packetsPublished: 0, packetsDropped: 0, packetsDroppedByCapture: 0, bytesSeen: 0 }, 'test');
    const { metricsRegistry } = await import('../../../services/common/observability/metrics.ts');
    const ours = new Set(metricsRegistry.getMetricsAsArray().map((m) => m.name));
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(netsentinel_[a-z_]+|kafka_[a-z_]+)/g)].map((m) => m[1])));
    for (const name of used) {
      if (name.startsWith('kafka_')) continue; // danielqsj/kafka-exporter
      expect(ours.has(name.replace(/_bucket$/, '')), name).toBe(true);
    }
  });
});
