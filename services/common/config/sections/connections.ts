import { z } from 'zod';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected host:port');

const tlsOptions = {
  ca: z.string().optional().describe('Path of a PEM CA bundle to trust.'),
  cert: z.string().optional().describe('Path of a PEM client certificate (mutual TLS).'),
  key: z.string().optional().describe('Path of the PEM private key of the client certificate.'),
  rejectUnauthorized: z.boolean().default(true).describe('Verify the server certificate.'),
};

export const kafkaSection = z
  .object({
    brokers: z.array(hostPort).min(1).default(['127.0.0.1:9092']).describe('Kafka bootstrap brokers (host:port, comma separated in the environment).'),
    clientId: z.string().min(1).default('netsentinel').describe('Kafka client id prefix.'),
    ssl: z.boolean().default(false).describe('Connect with TLS.'),
    tls: z.object(tlsOptions).default({}).describe('TLS material when kafka.ssl is true.'),
    sasl: z
      .object({
        mechanism: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none').describe('SASL mechanism.'),
        username: z.string().default('').describe('SASL user name.'),
        password: z.string().default('').describe('SASL password (secret: never logged).'),
      })
      .default({})
      .describe('SASL authentication.'),
    connectionTimeoutMs: z.number().int().positive().default(10_000).describe('Timeout of one broker connection attempt, ms.'),
    partitions: z.number().int().min(1).max(1024).default(6).describe('Partitions of the packets topic when NetSentinel creates it (the most detector workers that can share the load).'),
    replicationFactor: z.number().int().min(1).default(1).describe('Replication factor of topics NetSentinel creates.'),
    compression: z.enum(['none', 'gzip']).default('gzip').describe('Compression of produced message sets.'),
  })
  .default({});

export const registrySection = z
  .object({
    url: z.string().regex(/^(https?:\/\/[^\s/]+.*)?$/, 'expected a URL such as http://host:port').default('').describe('Confluent-compatible schema registry URL; empty = embedded mode (Avro single-object encoding, no registry).'),
    username: z.string().default('').describe('Registry basic-auth user.'),
    password: z.string().default('').describe('Registry basic-auth password (secret).'),
  })
  .default({});

export const redisSection = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port or rediss://host:port').default('redis://127.0.0.1:6379').describe('Redis URL (rediss:// for TLS).'),
    password: z.string().default('').describe('Redis password (secret), if not in the URL.'),
    keyPrefix: z.string().default('ns:').describe('Prefix of every Redis key NetSentinel writes.'),
    tls: z.object(tlsOptions).default({}).describe('TLS material for rediss:// URLs.'),
  })
  .default({});

export const topicsSection = z
  .object({
    prefix: z.string().default('netsentinel.').describe('Prefix of every topic name.'),
    packets: z.string().default('packets').describe('Topic of packet batches (after the prefix).'),
    alerts: z.string().default('alerts').describe('Topic of alerts.'),
    heartbeats: z.string().default('heartbeats').describe('Compacted topic of sensor heartbeats.'),
    dlq: z.string().default('dlq').describe('Dead-letter topic for messages that could not be decoded.'),
  })
  .default({});
