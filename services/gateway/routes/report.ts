/** GET /api/report: the 0xNullVector-format incident report over a recent period. */
import type { FastifyInstance } from 'fastify';
import { filterProperties, toAlertQuery, type FilterInput } from '../alert-query.ts';
import type { GatewayContext } from '../context.ts';
import { buildReport, parseDuration } from '../report.ts';

export async function reportRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get<{ Querystring: FilterInput & { download?: boolean } }>(
    '/api/report',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Incident report (metadata, executive summary with risk level, events, recommendations). since defaults to 24h.',
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterProperties, download: { type: 'boolean', default: false } } },
      },
    },
    async (request, reply) => {
      const { download, ...filter } = request.query;
      const now = context.now();
      const since = filter.since ?? '24h';
      const query = toAlertQuery({ ...filter, since }, now);
      const report = await buildReport(context.store.scan(query), {
        since: now - (parseDuration(since) ?? 0),
        until: now,
        version: context.version,
        sensors: await context.store.sensors(now),
        generatedAt: now,
      });
      if (download) reply.header('content-disposition', `attachment; filename="netsentinel-report-${new Date(now).toISOString().slice(0, 19).replace(/:/g, '-')}.json"`);
      return reply.header('cache-control', 'no-store').send(report);
    },
  );
}
