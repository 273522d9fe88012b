/** Threat intelligence: VirusTotal API v3 and offline feeds. */
import { z } from 'zod';

export const intelSection = z
  .object({
    virustotal: z
      .object({
        apiKey: z.string().default('').describe('VirusTotal API key (secret; env VIRUSTOTAL_API_KEY). Empty = no lookups, every verdict CLEAN.'),
        baseUrl: z.string().url().default('https://www.virustotal.com/api/v3').describe('API base URL.'),
        requestsPerMinute: z.number().int().min(1).default(4).describe('Requests per minute, shared by all workers.'),
        requestsPerDay: z.number().int().min(1).default(500).describe('Requests per day, shared by all workers.'),
        timeoutMs: z.number().int().min(100).default(15_000).describe('Timeout of one request.'),
        cacheTtlSeconds: z.number().int().min(1).default(3600).describe('Lifetime of a cached verdict.'),
        maliciousCacheTtlSeconds: z.number().int().min(1).default(300).describe('Lifetime of a cached verdict with 3+ malicious engines (re-checked sooner).'),
        negativeCacheTtlSeconds: z.number().int().min(1).default(3600).describe('Lifetime of a "not found" (404) answer.'),
        queueMax: z.number().int().min(1).default(5000).describe('Most entities waiting for a lookup (the lowest priorities are dropped).'),
      })
      .default({})
      .describe('VirusTotal API v3.'),
    feeds: z
      .object({
        files: z.array(z.string()).default([]).describe('Offline indicator files: one IP, CIDR or domain per line (# comments). A hit is a CRITICAL verdict.'),
        reloadSeconds: z
          .number()
          .min(0)
          .default(60)
          .describe('How often a worker checks whether a feed file (and detector.tor.feedFile) changed, and reads it again if so; a file that cannot be read then keeps its entries. 0 = read once at start.'),
      })
      .default({})
      .describe('Offline feeds.'),
  })
  .default({});

export type IntelConfig = z.infer<typeof intelSection>;
