/**
 * Prometheus metrics (prom-client). Each process has one registry with the default Node
 * metrics; services add their counters to it. Long-running services other than the gateway
 * (which serves /metrics itself) expose it with serveMetrics().
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';

export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry, prefix: 'netsentinel_' });

export function counter(name: string, help: string, labelNames: string[] = []): client.Counter<string> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as client.Counter<string>;
  return new client.Counter({ name, help, labelNames, registers: [metricsRegistry] });
}

export function gauge(name: string, help: string, labelNames: string[] = []): client.Gauge<string> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as client.Gauge<string>;
  return new client.Gauge({ name, help, labelNames, registers: [metricsRegistry] });
}

export function histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): client.Histogram<string> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as client.Histogram<string>;
  return new client.Histogram({ name, help, buckets, labelNames, registers: [metricsRegistry] });
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found: the only path here is /metrics\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The /metrics endpoint of a long-running service, as configured. A port already taken is a
 * warning, not a failure: losing metrics must not stop a sensor or a worker.
 */
export async function startMetricsEndpoint(
  metrics: { enabled: boolean; host: string; port: number },
  logger: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void },
): Promise<MetricsServer | null> {
  if (!metrics.enabled) return null;
  try {
    const server = await serveMetrics(metrics.host, metrics.port);
    logger.info({ url: server.url }, 'metrics endpoint listening');
    return server;
  } catch (err) {
    logger.warn({ err: (err as Error).message, port: metrics.port }, 'metrics endpoint not started (set metrics.port, or metrics.enabled=false)');
    return null;
  }
}
