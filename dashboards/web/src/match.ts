/** The feed's filter applied to live events (the same rules as the gateway's store/filter.ts). */
import type { FeedFilter, StoredAlert } from './types.ts';

export function searchText(stored: StoredAlert): string {
  const a = stored.alert;
  return [
    a.title, a.category, a.severity, a.src, a.dst ?? '', a.srcPort ?? '', a.dstPort ?? '', a.sensorId, a.sensorHost, a.mitre.techniqueId, a.mitre.technique, a.mitre.tactic,
    a.intel.verdict, a.communityId ?? '', a.detector, Object.entries(a.evidence.details).map(([k, v]) => `${k}=${v}`).join(' '),
  ]
    .join(' ')
    .toLowerCase();
}

export function matchesFilter(filter: FeedFilter, stored: StoredAlert): boolean {
  const a = stored.alert;
  if (filter.severity && a.severity !== filter.severity) return false;
  if (filter.state === 'open' && stored.state === 'resolved') return false;
  if (filter.state && filter.state !== 'open' && stored.state !== filter.state) return false;
  if (filter.address && a.src !== filter.address && a.dst !== filter.address) return false;
  if (filter.q.trim() && !searchText(stored).includes(filter.q.trim().toLowerCase())) return false;
  return true;
}
