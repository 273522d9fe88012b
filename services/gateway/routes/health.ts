/** Liveness (public, says nothing) and readiness/health (authenticated, says what is wrong). */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get('/api/health/live', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness probe (no credential needed, no details).', security: [] } }, async () => ({ status: 'ok' }));

  app.get('/api/health', { schema: { tags: ['health'], summary: 'Health of the gateway and what it depends on.' } }, async (_request, reply) => {
    const checks = await context.readiness().catch(() => ({ readiness: false }));
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      version: context.version,
      uptimeSeconds: Math.round(process.uptime()),
      checks,
      wsClients: context.hub.size,
    });
  });
}
