import { z } from 'zod';

export const sensorSection = z
  .object({
    id: z.string().default('').describe('Sensor id; empty = a random id kept in sensor.stateDir, stable across restarts.'),
    stateDir: z.string().default('.netsentinel').describe('Directory of the sensor state file (its id).'),
    batchMaxPackets: z.number().int().min(1).max(100_000).default(2000).describe('A batch is published when it holds this many packets...'),
    batchMaxBytes: z.number().int().min(1024).max(16_777_216).default(512 * 1024).describe('...or this many encoded bytes...'),
    batchMaxDelayMs: z.number().int().min(1).max(60_000).default(200).describe('...or when its first packet waited this long (ms).'),
    heartbeatIntervalMs: z.number().int().min(1000).default(30_000).describe('Interval between heartbeats, ms.'),
  })
  .default({});
