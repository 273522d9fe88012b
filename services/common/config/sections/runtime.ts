import { z } from 'zod';

export const logSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level.'),
    pretty: z.boolean().default(false).describe('Human-readable logs instead of JSON lines.'),
  })
  .default({});

export const metricsSection = z
  .object({
    enabled: z.boolean().default(true).describe('Expose Prometheus metrics.'),
    host: z.string().default('127.0.0.1').describe('Address the metrics endpoint listens on (long-running services other than the gateway).'),
    port: z.number().int().min(0).max(65535).default(9464).describe('Port of the /metrics endpoint; 0 picks a free port. The gateway serves /metrics on its own port.'),
  })
  .default({});
