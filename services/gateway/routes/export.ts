/** GET /api/export: the matching alerts as a streamed JSON, NDJSON or CSV download. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { filterProperties, toAlertQuery, type FilterInput } from '../alert-query.ts';
import type { GatewayContext } from '../context.ts';
import { CONTENT_TYPES, EXPORT_FORMATS, exportChunks, type ExportFormat } from '../export-format.ts';

export async function exportRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get<{ Querystring: FilterInput & { format?: ExportFormat } }>(
    '/api/export',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Download the matching alerts (newest first) as json, ndjson or csv, streamed.',
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterProperties, format: { type: 'string', enum: [...EXPORT_FORMATS], default: 'json' } } },
      },
    },
    async (request, reply) => {
      const { format = 'json', ...filter } = request.query;
      const query = toAlertQuery(filter, context.now());
      const stamp = new Date(context.now()).toISOString().replace(/[:.]/g, '-');
      return reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="netsentinel-alerts-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportChunks(format, context.store.scan(query))));
    },
  );
}
