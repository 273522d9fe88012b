/** GET /ws: the live stream (alert, alert-state, stats, sensors, resync events). Authenticated by the onRequest hook before the upgrade. */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';

export async function wsRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get('/ws', { websocket: true, schema: { tags: ['stream'], summary: 'WebSocket stream of live events (see docs/gateway.md).' } }, (socket, request) => {
    context.hub.add(socket, request.principal!);
  });
}
