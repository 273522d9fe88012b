/**
 * Builds the gateway's Fastify instance from configuration and ports (store, hub, logger), with
 * no I/O of its own: tests drive it with fastify.inject(), run.ts adds the bus and listens.
 *
 * Order matters: rate limit (cheapest rejection) → authentication (every /api, /ws, /metrics,
 * /docs route unless marked public) → JSON-schema validation → handler.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../common/config/schema.ts';
import { isNetSentinelError } from '../common/errors.ts';
import type { Logger } from '../common/observability/logger.ts';
import { VERSION } from '../common/version.ts';
import { Authenticator, type Principal } from './auth.ts';
import type { GatewayContext } from './context.ts';
import { alertRoutes } from './routes/alerts.ts';
import { authRoutes } from './routes/auth.ts';
import { exportRoutes } from './routes/export.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { reportRoutes } from './routes/report.ts';
import { sensorRoutes } from './routes/sensors.ts';
import { statsRoutes } from './routes/stats.ts';
import { wsRoutes } from './routes/ws.ts';
import type { AlertStore } from './store/port.ts';
import { WsHub } from './ws-hub.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a credential. */
    public?: boolean;
  }
}

export interface GatewayOptions {
  config: Config['gateway'];
  store: AlertStore;
  logger: Logger;
  hub?: WsHub;
  auth?: Authenticator;
  now?: () => number;
  version?: string;
  /** PEM material; when given the server speaks HTTPS/WSS only. */
  https?: { cert: Buffer; key: Buffer } | null;
  readiness?: () => Promise<Record<string, boolean>>;
}

const PROTECTED_PREFIXES = ['/api', '/ws', '/metrics', '/docs'];

function isProtectedUrl(url: string): boolean {
  const path = url.split('?')[0];
  return PROTECTED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

export async function buildGateway(options: GatewayOptions): Promise<{ app: FastifyInstance; context: GatewayContext }> {
  const { config } = options;
  const tls = Boolean(options.https);
  const context: GatewayContext = {
    config,
    store: options.store,
    hub: options.hub ?? new WsHub(config.ws),
    auth:
      options.auth ??
      new Authenticator({ apiKeys: config.apiKeys, users: config.users, sessionSecret: config.sessionSecret, sessionTtlMs: config.sessionTtlHours * 3_600_000 }),
    logger: options.logger,
    now: options.now ?? Date.now,
    version: options.version ?? VERSION,
    tls,
    readiness: options.readiness ?? (async () => ({})),
    routes: [],
  };

  const app = Fastify({
    loggerInstance: options.logger,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key, minVersion: 'TLSv1.2' as const } } : {}),
    trustProxy: false,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }) as unknown as FastifyInstance;

  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) context.routes.push({ method, url: route.url, public: Boolean((route.config as { public?: boolean } | undefined)?.public) || !isProtectedUrl(route.url) });
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation && error.validation.length > 0) {
      const v = error.validation[0];
      const params = v.params as Record<string, unknown>;
      const field =
        [v.instancePath.replace(/^\//, '').replace(/\//g, '.'), params.missingProperty, params.additionalProperty].filter((x) => typeof x === 'string' && x).join('.') ||
        String(error.validationContext ?? 'body');
      const reason = params.additionalProperty ? 'is not a known field' : v.message;
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: 'NS_ERR_REQUEST', field, message: `${error.validationContext ?? 'request'} ${field}: ${reason}` });
    }
    if (isNetSentinelError(error) && error.code === 'NS_ERR_REQUEST') {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: error.code, field: error.details.field ?? null, message: error.message });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({
      statusCode: status,
      error: status >= 500 ? 'Internal Server Error' : error.name,
      code: isNetSentinelError(error) ? error.code : error.code ?? 'NS_ERR_INTERNAL',
      message: status >= 500 ? 'internal error (see the gateway log)' : error.message,
    });
  });

  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    // Bounded: one entry per client address, LRU-evicted beyond this.
    cache: 10_000,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'Too Many Requests', code: 'NS_ERR_RATE_LIMIT', message: `rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry later` }),
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: tls ? { maxAge: 15_552_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });

  await app.register(fastifyCors, {
    // Closed by default: no Access-Control-Allow-Origin unless the origin is configured.
    origin: config.corsOrigins.length ? [...config.corsOrigins] : false,
    credentials: config.corsOrigins.length > 0,
    methods: ['GET', 'POST'],
  });

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    if (!isProtectedUrl(request.url)) return;
    const principal = context.auth.authenticate(request);
    if (!principal) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="netsentinel"')
        .send({ statusCode: 401, error: 'Unauthorized', code: 'NS_ERR_AUTH', message: 'a valid API key (x-api-key or Authorization: Bearer) or a session (POST /api/login) is required' });
    }
    // Cookies ride along on cross-site requests in old browsers: a session may change state or
    // open the WebSocket only from our own origin (API keys are never sent automatically).
    if (principal.kind === 'user' && (request.method !== 'GET' || request.url.startsWith('/ws'))) {
      const origin = request.headers.origin;
      if (origin && !sameOrigin(origin, request) && !config.corsOrigins.includes(origin)) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', code: 'NS_ERR_AUTH', message: `origin ${origin} may not use this session` });
      }
    }
    request.principal = principal;
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'NetSentinel gateway API', version: context.version, description: 'Alerts, triage, statistics, sensors, exports and reports. See docs/gateway.md.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'ns_session' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI sets inline styles; allow them on the (authenticated) docs page only, and no
    // third-party origin.
    transformStaticCSP: (header) => header.replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'").replace(/ https:/g, ''),
  });

  const routes = [authRoutes, healthRoutes, alertRoutes, statsRoutes, sensorRoutes, exportRoutes, reportRoutes, metricsRoutes, wsRoutes];
  for (const plugin of routes) await app.register(plugin, { context });

  const dashboardDir = resolve(config.dashboardDir);
  if (existsSync(resolve(dashboardDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: dashboardDir, prefix: '/', index: ['index.html'], wildcard: true, maxAge: 0 });
  } else {
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send(`NetSentinel gateway ${context.version}: the dashboard is not built (${config.dashboardDir} is missing). Run: npm run build:web\n`),
    );
  }

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ statusCode: 404, error: 'Not Found', code: 'NS_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  return { app, context };
}

function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
