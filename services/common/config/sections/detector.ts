import { z } from 'zod';

export const detectorSection = z
  .object({
    groupId: z.string().default('netsentinel-detectors').describe('Kafka consumer group of the detector workers.'),
    cooldownSeconds: z.number().positive().default(15).describe('Event-time cooldown before an open incident emits another update.'),
  })
  .default({});
