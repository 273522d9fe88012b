/** Alerts: list with filters, search and paging; one alert with its group; triage (single and all matching). */
import type { FastifyInstance } from 'fastify';
import { RequestError } from '../../common/errors.ts';
import { filterProperties, toAlertQuery, type FilterInput } from '../alert-query.ts';
import type { GatewayContext } from '../context.ts';
import type { AlertState, StoredAlert } from '../store/port.ts';

const ACTIONS: Record<string, AlertState> = { acknowledge: 'acknowledged', resolve: 'resolved', reopen: 'new' };
const ID = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } as const;
/** Most ids one "all matching" action touches; the store cap bounds it anyway. */
const BULK_MAX = 100_000;
const BROADCAST_IDS_MAX = 1000;
const GROUP_MAX = 50;

export async function alertRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  app.get<{ Querystring: FilterInput & { offset?: number; limit?: number } }>(
    '/api/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Recent alerts, newest activity first, filtered, searched and paged.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...filterProperties, offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 }, limit: { type: 'integer', minimum: 0, maximum: 1000, default: 100 } },
        },
      },
    },
    async (request) => {
      const { offset = 0, limit = 100, ...filter } = request.query;
      const page = await context.store.query(toAlertQuery(filter, context.now()), { offset, limit });
      return { total: page.total, offset, limit, items: page.items };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/alerts/:id',
    { schema: { tags: ['alerts'], summary: 'One alert (latest revision, triage state) with its group: other alerts from the same source or flow.', params: { type: 'object', properties: { id: ID }, required: ['id'] } } },
    async (request, reply) => {
      const stored = await context.store.get(request.params.id);
      if (!stored) return reply.code(404).send({ statusCode: 404, error: 'Not Found', code: 'NS_ERR_NOT_FOUND', message: `no alert ${request.params.id} (it may have been evicted)` });
      const group: StoredAlert[] = [];
      const related = context.store.query({ address: stored.alert.src }, { offset: 0, limit: GROUP_MAX + 1 });
      for (const other of (await related).items) if (other.alert.id !== stored.alert.id && group.length < GROUP_MAX) group.push(other);
      return { alert: stored, group };
    },
  );

  for (const [action, state] of Object.entries(ACTIONS)) {
    app.post<{ Params: { id: string } }>(
      `/api/alerts/:id/${action}`,
      { schema: { tags: ['triage'], summary: `Set one alert's state to ${state}.`, params: { type: 'object', properties: { id: ID }, required: ['id'] } } },
      async (request, reply) => {
        const changed = await setState(context, [request.params.id], state, request.principal!.name);
        if (changed.length === 0 && !(await context.store.get(request.params.id))) {
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', code: 'NS_ERR_NOT_FOUND', message: `no alert ${request.params.id}` });
        }
        return { changed: changed.length, ids: changed, state };
      },
    );

    app.post<{ Body: { ids?: string[]; filter?: FilterInput } }>(
      `/api/alerts/${action}`,
      {
        schema: {
          tags: ['triage'],
          summary: `Set the state of the listed alerts, or of all alerts matching a filter, to ${state}.`,
          body: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            properties: {
              ids: { type: 'array', items: ID, minItems: 1, maxItems: 10_000 },
              filter: { type: 'object', additionalProperties: false, properties: filterProperties },
            },
          },
        },
      },
      async (request) => {
        let ids = request.body.ids ?? [];
        if (request.body.filter) {
          const query = toAlertQuery(request.body.filter, context.now());
          if (Object.keys(request.body.filter).length === 0) throw new RequestError('filter: an empty filter would match every alert; name at least one field', { details: { field: 'filter' } });
          ids = [];
          for await (const stored of context.store.scan(query)) {
            if (stored.state !== state) ids.push(stored.alert.id);
            if (ids.length >= BULK_MAX) break;
          }
        }
        const changed = await setState(context, ids, state, request.principal!.name);
        return { changed: changed.length, state };
      },
    );
  }
}

async function setState(context: GatewayContext, ids: string[], state: AlertState, by: string): Promise<string[]> {
  const at = context.now();
  const changed: string[] = [];
  for (let i = 0; i < ids.length; i += 1000) changed.push(...(await context.store.setState(ids.slice(i, i + 1000), state, by, at)));
  if (changed.length > 0) {
    context.hub.broadcast('alert-state', changed.length <= BROADCAST_IDS_MAX ? { ids: changed, state, by, at } : { refresh: true, state, by, at, count: changed.length });
    context.logger.info({ count: changed.length, state, by }, 'alert state changed');
  }
  return changed;
}
