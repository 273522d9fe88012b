/**
 * The filter part of /api/alerts, /api/export, /api/report and the bulk triage actions: one
 * JSON schema (validated by Fastify, so a bad value answers 400 naming the field) and one
 * parser into an AlertQuery.
 */
import { RequestError } from '../common/errors.ts';
import { CATEGORIES, SEVERITIES } from '../common/model.ts';
import { parseDuration } from './report.ts';
import { ALERT_STATES, type AlertQuery } from './store/port.ts';

const list = (values: readonly string[]) => `^(${values.join('|')})(,(${values.join('|')}))*$`;
const TIME = '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)$';

export const filterProperties = {
  severity: { type: 'string', pattern: list(SEVERITIES), description: `Comma-separated severities (${SEVERITIES.join(', ')}).` },
  category: { type: 'string', pattern: list(CATEGORIES), description: 'Comma-separated categories.' },
  state: { type: 'string', pattern: list(ALERT_STATES), description: 'Comma-separated triage states (new, acknowledged, resolved).' },
  sensor: { type: 'string', maxLength: 128, description: 'Sensor id or host name.' },
  src: { type: 'string', maxLength: 128, description: 'Source address (exact).' },
  dst: { type: 'string', maxLength: 128, description: 'Destination address (exact).' },
  address: { type: 'string', maxLength: 128, description: 'Source or destination address (exact).' },
  from: { type: 'string', pattern: TIME, description: 'Event time lower bound (epoch ms or ISO 8601) on the latest evidence.' },
  to: { type: 'string', pattern: TIME, description: 'Event time upper bound (epoch ms or ISO 8601).' },
  since: { type: 'string', pattern: '^\\d{1,9}(s|m|h|d)$', description: 'Only alerts updated at the gateway within this duration (e.g. 15m, 1h, 7d).' },
  q: { type: 'string', maxLength: 200, description: 'Case-insensitive full-text search over title, category, addresses, sensor, MITRE and evidence.' },
} as const;

export type FilterInput = Partial<Record<keyof typeof filterProperties, string>>;

function parseTime(field: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new RequestError(`${field}: ${JSON.stringify(text)} is not a time (epoch ms or ISO 8601)`, { details: { field } });
  return ms;
}

export function toAlertQuery(input: FilterInput, now: number): AlertQuery {
  const split = <T extends string>(text: string | undefined) => (text ? (text.split(',') as T[]) : undefined);
  const query: AlertQuery = {
    severity: split(input.severity),
    category: split(input.category),
    state: split(input.state),
    sensor: input.sensor || undefined,
    src: input.src || undefined,
    dst: input.dst || undefined,
    address: input.address || undefined,
    from: input.from ? parseTime('from', input.from) : undefined,
    to: input.to ? parseTime('to', input.to) : undefined,
    q: input.q?.trim() || undefined,
  };
  if (input.since) query.updatedSince = now - (parseDuration(input.since) ?? 0);
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    throw new RequestError('from: must not be after to', { details: { field: 'from' } });
  }
  return query;
}
