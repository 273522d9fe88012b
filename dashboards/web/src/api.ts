/** REST calls. The session cookie rides along (same origin); the page never holds a key. */
import type { FeedFilter, SensorList, Stats, StoredAlert } from './types.ts';

export class Unauthorized extends Error {}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) } });
  if (response.status === 401) throw new Unauthorized('not logged in');
  if (!response.ok) {
    let message = `${response.status}`;
    try {
      message = ((await response.json()) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
    throw new Error(message);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export function filterParams(filter: FeedFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.severity) params.set('severity', filter.severity);
  if (filter.state === 'open') params.set('state', 'new,acknowledged');
  else if (filter.state) params.set('state', filter.state);
  if (filter.q.trim()) params.set('q', filter.q.trim());
  if (filter.address) params.set('address', filter.address);
  return params;
}

/** The server refuses an empty bulk filter (it would touch everything); "everything open" is explicit. */
export function filterBody(filter: FeedFilter): Record<string, string> {
  const body = Object.fromEntries(filterParams(filter));
  if (!body.state) body.state = 'new,acknowledged';
  return body;
}

export const api = {
  me: () => call<{ name: string; kind: string }>('/api/me'),
  login: (username: string, password: string) => call<{ user: string }>('/api/login', { method: 'POST', body: JSON.stringify({ username, password }) }),
  logout: () => call<void>('/api/logout', { method: 'POST' }),
  alerts: (filter: FeedFilter, limit = 500) => {
    const params = filterParams(filter);
    params.set('limit', String(limit));
    return call<{ total: number; items: StoredAlert[] }>(`/api/alerts?${params}`);
  },
  recentSevere: () => call<{ total: number; items: StoredAlert[] }>('/api/alerts?severity=CRITICAL,HIGH&limit=50'),
  alert: (id: string) => call<{ alert: StoredAlert; group: StoredAlert[] }>(`/api/alerts/${encodeURIComponent(id)}`),
  setState: (id: string, action: 'acknowledge' | 'resolve' | 'reopen') => call<{ changed: number }>(`/api/alerts/${encodeURIComponent(id)}/${action}`, { method: 'POST' }),
  setStateMatching: (filter: FeedFilter, action: 'acknowledge' | 'resolve' | 'reopen') =>
    call<{ changed: number }>(`/api/alerts/${action}`, { method: 'POST', body: JSON.stringify({ filter: filterBody(filter) }) }),
  stats: () => call<Stats>('/api/stats'),
  sensors: () => call<SensorList>('/api/sensors'),
};
