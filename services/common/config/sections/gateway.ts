import { z } from 'zod';

const user = z.object({
  username: z.string().min(1).max(64).describe('Login name.'),
  passwordHash: z
    .string()
    .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'expected scrypt$N$r$p$salt$hash (make one with `netsentinel certs --user NAME`)')
    .describe('scrypt hash of the password.'),
});

export const gatewaySection = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address the gateway listens on.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Port of the gateway (API, WebSocket, dashboard); 0 picks a free port.'),
    replicaId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]*$/, 'expected letters, digits, _ . -')
      .default('')
      .describe('Identity of this gateway replica (its Kafka consumer group is netsentinel-gateway-<replicaId>, so every replica sees every alert); empty = the host name.'),
    store: z.enum(['redis', 'memory']).default('redis').describe('Where recent alerts, their state, sensors and statistics live: redis (shared by replicas, survives restarts) or memory (embedded mode).'),
    recentAlertCap: z.number().int().min(10).max(5_000_000).default(100_000).describe('Most recent alerts (incidents) kept; the oldest are evicted beyond it.'),
    alertTtlHours: z.number().positive().max(24 * 365).default(168).describe('Hours an alert (and its acknowledged/resolved state) is kept in Redis after its latest revision.'),
    topSourcesTracked: z.number().int().min(10).max(100_000).default(1000).describe('Distinct source addresses whose alert counts are tracked for the top-10 table (the least frequent are dropped beyond it).'),
    threatWindowMinutes: z.number().int().min(1).max(60).default(15).describe('Window of the threat level: alert activity of the last N minutes (see docs/gateway.md).'),
    sensorOfflineSeconds: z.number().int().positive().default(90).describe('A sensor with no heartbeat for this long is offline.'),
    sensorPruneHours: z.number().positive().default(24).describe('A sensor with no heartbeat for this long is removed from the sensor table.'),
    maxSensors: z.number().int().positive().default(10_000).describe('Most sensors in the sensor table; heartbeats of new sensors beyond it are counted and ignored.'),
    apiKeys: z.array(z.string().min(24, 'expected at least 24 characters')).default([]).describe('API keys accepted in x-api-key or Authorization: Bearer (secret; comma separated in the environment).'),
    users: z.array(user).default([]).describe('Dashboard users: [{"username","passwordHash"}] (JSON in the environment).'),
    sessionSecret: z.string().default('').describe('Secret that signs session cookies (secret, 32+ characters); empty = random per process, so sessions end on restart and are not shared by replicas.'),
    sessionTtlHours: z.number().positive().max(24 * 30).default(12).describe('Lifetime of a dashboard session.'),
    credentialsFile: z
      .string()
      .default('.netsentinel/gateway-credentials.json')
      .describe('When no API key and no user are configured, the gateway creates an admin user with a random password and an API key in this file (mode 600) instead of starting open.'),
    tls: z
      .object({
        cert: z.string().default('').describe('Path of the PEM server certificate; with tls.key, the gateway serves HTTPS/WSS only.'),
        key: z.string().default('').describe('Path of the PEM private key of tls.cert.'),
      })
      .default({})
      .describe('TLS of the gateway.'),
    rateLimit: z
      .object({
        max: z.number().int().positive().default(600).describe('Requests per client address per window before 429.'),
        windowSeconds: z.number().int().positive().default(60).describe('Rate limit window.'),
        loginMax: z.number().int().positive().default(10).describe('Login attempts per client address per window before 429.'),
      })
      .default({})
      .describe('Request rate limits.'),
    corsOrigins: z.array(z.string()).default([]).describe('Origins allowed to call the API from another site (CORS); empty = same origin only.'),
    dashboardDir: z.string().default('dashboards/web/dist').describe('Directory of the built dashboard (npm run build:web).'),
    ws: z
      .object({
        sampleBufferedBytes: z.number().int().positive().default(256 * 1024).describe('A WebSocket client with this many unsent bytes skips alert events (it catches up from /api/alerts).'),
        maxBufferedBytes: z.number().int().positive().default(4 * 1024 * 1024).describe('A WebSocket client with this many unsent bytes is disconnected.'),
        statsIntervalMs: z.number().int().min(100).default(2000).describe('Interval of stats and sensors events.'),
        maxClients: z.number().int().positive().default(500).describe('Most concurrent WebSocket clients.'),
      })
      .default({})
      .describe('WebSocket stream.'),
  })
  .default({});
