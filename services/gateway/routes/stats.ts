/** Rolling statistics and the threat level. */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { deriveStats } from '../stats.ts';

export async function statsRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get('/api/stats', { schema: { tags: ['stats'], summary: 'Threat level, counts by severity/category/state, top 10 sources, 60 one-minute buckets.' } }, async () => {
    const now = context.now();
    return deriveStats(await context.store.stats(now), context.config.threatWindowMinutes, now);
  });
}
