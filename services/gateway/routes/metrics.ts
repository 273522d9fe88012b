/** Prometheus metrics of this process (authenticated like every other route). */
import type { FastifyInstance } from 'fastify';
import { metricsRegistry } from '../../common/observability/metrics.ts';
import type { GatewayContext } from '../context.ts';

export async function metricsRoutes(app: FastifyInstance, _options: { context: GatewayContext }): Promise<void> {
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics.' } }, async (_request, reply) =>
    reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics()),
  );
}
