import { z } from 'zod';

export const sensorSection = z
  .object({
    id: z.string().default('').describe('Sensor id; empty = a random id kept in sensor.stateDir, stable across restarts.'),
    stateDir: z.string().default('.netsentinel').describe('Directory of the sensor state file (its id).'),
    batchMaxPackets: z.number().int().min(1).max(100_000).default(2000).describe('A batch is published when it holds this many packets...'),
    batchMaxBytes: z.number().int().min(1024).max(16_777_216).default(512 * 1024).describe('...or this many (estimated) encoded bytes...'),
    batchMaxDelayMs: z.number().int().min(1).max(60_000).default(200).describe('...or when its first packet waited this long (ms).'),
    idleBatchSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(10)
      .describe(
        'Live capture: an empty batch goes to every Kafka partition that got none for this long, so that its detector step runs although its hosts went quiet (an intel verdict that arrived after an attacker stopped then revises its alert). 0 = never.',
      ),
    heartbeatIntervalMs: z.number().int().min(1000).default(30_000).describe('Interval between heartbeats, ms.'),
    maxInFlightBatches: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(3)
      .describe('Batches sent to Kafka and not yet acknowledged, at most; a replay waits beyond it, a live capture drops (and counts) packets.'),
    snaplen: z.number().int().min(64).max(262_144).default(262_144).describe('Live capture: bytes captured per packet.'),
    bufferSizeMb: z.number().int().min(1).max(2048).default(32).describe('Live capture: libpcap kernel buffer size, MiB.'),
    promiscuous: z.boolean().default(true).describe('Live capture: put the interface in promiscuous mode.'),
    filter: z.string().default('').describe('Live capture: BPF filter expression (empty = every packet).'),
  })
  .default({});
