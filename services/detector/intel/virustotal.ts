/**
 * VirusTotal API v3 client: GET /ip_addresses/{ip} and /domains/{domain} with the x-apikey
 * header. Returns what the cache needs (last_analysis_stats.malicious/suspicious, reputation)
 * or why there is nothing: 404 (unknown to VT: cached as such), 429 (quota: retry later),
 * 401 (bad key: stop asking), timeout / other errors (retry later). Never throws.
 */
import { isIP } from 'node:net';
import type { IntelStats } from './tiers.ts';

export type LookupResult =
  | { status: 'ok'; stats: IntelStats }
  | { status: 'not-found' }
  | { status: 'rate-limited' }
  | { status: 'unauthorized' }
  | { status: 'error'; message: string };

export interface VirusTotalOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}

interface VtResponse {
  data?: { attributes?: { last_analysis_stats?: Record<string, number>; reputation?: number } };
}

export async function lookupVirusTotal(entity: string, o: VirusTotalOptions): Promise<LookupResult> {
  const path = isIP(entity) ? `ip_addresses/${encodeURIComponent(entity)}` : `domains/${encodeURIComponent(entity)}`;
  let res: Response;
  try {
    res = await fetch(`${o.baseUrl.replace(/\/$/, '')}/${path}`, {
      headers: { 'x-apikey': o.apiKey, accept: 'application/json', 'user-agent': 'NetSentinel-Detector' },
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    return { status: 'error', message: (err as Error).name === 'TimeoutError' ? `timeout after ${o.timeoutMs} ms` : (err as Error).message };
  }
  if (res.status === 404) return { status: 'not-found' };
  if (res.status === 429) return { status: 'rate-limited' };
  if (res.status === 401 || res.status === 403) return { status: 'unauthorized' };
  if (!res.ok) return { status: 'error', message: `HTTP ${res.status}` };
  try {
    const body = (await res.json()) as VtResponse;
    const attrs = body.data?.attributes ?? {};
    const stats = attrs.last_analysis_stats ?? {};
    return { status: 'ok', stats: { malicious: Number(stats.malicious ?? 0), suspicious: Number(stats.suspicious ?? 0), reputation: Number(attrs.reputation ?? 0) } };
  } catch (err) {
    return { status: 'error', message: `unreadable response: ${(err as Error).message}` };
  }
}
