import { z } from 'zod';

export const gatewaySection = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address the gateway listens on.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Port of the gateway (API, WebSocket, dashboard); 0 picks a free port.'),
  })
  .default({});
