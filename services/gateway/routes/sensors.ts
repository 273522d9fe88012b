/** The sensor table: online = a heartbeat within gateway.sensorOfflineSeconds. */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';

export async function sensorRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get('/api/sensors', { schema: { tags: ['sensors'], summary: 'Sensors with status, last heartbeat and counters (most alerts first).' } }, async () => {
    const sensors = await context.store.sensors(context.now());
    return { online: sensors.filter((s) => s.online).length, total: sensors.length, sensors };
  });
}
