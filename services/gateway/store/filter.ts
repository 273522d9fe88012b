/** The one definition of "this alert matches this query", shared by both store adapters. */
import type { AlertQuery, StoredAlert } from './port.ts';

export function searchText(stored: StoredAlert): string {
  const a = stored.alert;
  const details = Object.entries(a.evidence.details)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [
    a.title,
    a.category,
    a.severity,
    a.src,
    a.dst ?? '',
    a.srcPort ?? '',
    a.dstPort ?? '',
    a.sensorId,
    a.sensorHost,
    a.mitre.techniqueId,
    a.mitre.technique,
    a.mitre.tactic,
    a.intel.verdict,
    a.communityId ?? '',
    a.detector,
    details,
  ]
    .join(' ')
    .toLowerCase();
}

export function matches(query: AlertQuery, stored: StoredAlert): boolean {
  const a = stored.alert;
  if (query.severity?.length && !query.severity.includes(a.severity)) return false;
  if (query.category?.length && !query.category.includes(a.category)) return false;
  if (query.state?.length && !query.state.includes(stored.state)) return false;
  if (query.sensor && a.sensorId !== query.sensor && a.sensorHost !== query.sensor) return false;
  if (query.src && a.src !== query.src) return false;
  if (query.dst && a.dst !== query.dst) return false;
  if (query.address && a.src !== query.address && a.dst !== query.address) return false;
  if (query.from !== undefined && a.lastSeen < query.from) return false;
  if (query.to !== undefined && a.lastSeen > query.to) return false;
  if (query.updatedSince !== undefined && stored.updatedAt < query.updatedSince) return false;
  if (query.q && !searchText(stored).includes(query.q.toLowerCase())) return false;
  return true;
}

export function isEmptyQuery(query: AlertQuery): boolean {
  return Object.values(query).every((v) => v === undefined || (Array.isArray(v) && v.length === 0) || v === '');
}

export const MINUTE_MS = 60_000;
export const TIMELINE_MINUTES = 60;

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}
