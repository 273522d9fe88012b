/**
 * The gateway's own state port: recent alerts (incidents, latest revision per id) with their
 * triage state, the sensor table and rolling statistics. redis-alert-store.ts is the shared,
 * restart-proof adapter; memory-alert-store.ts serves the embedded mode and fast tests. Both
 * pass test/contract/alert-store.contract.ts.
 */
import type { Alert, Category, Heartbeat, Severity } from '../../common/model.ts';

export const ALERT_STATES = ['new', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface StoredAlert {
  alert: Alert;
  state: AlertState;
  /** Who set the state (user name or api key label), null while new. */
  stateBy: string | null;
  /** Wall-clock ms when the state was set. */
  stateAt: number | null;
  /** Wall-clock ms when the gateway received the first revision. */
  receivedAt: number;
  /** Wall-clock ms when the gateway received the latest revision. */
  updatedAt: number;
}

export interface AlertQuery {
  severity?: Severity[];
  category?: Category[];
  state?: AlertState[];
  sensor?: string;
  src?: string;
  dst?: string;
  /** Either side of the alert: src or dst. */
  address?: string;
  /** Event time range on alert.lastSeen (ms). */
  from?: number;
  to?: number;
  /** Wall-clock ms: only alerts whose latest revision reached the gateway since then (reports). */
  updatedSince?: number;
  /** Case-insensitive substring over title, category, src, dst, sensor host, MITRE and evidence details. */
  q?: string;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface AlertPage {
  /** Matching alerts; exact for the memory store, exact for redis too (it scans the capped set). */
  total: number;
  items: StoredAlert[];
}

export type UpsertOutcome = 'created' | 'updated' | 'stale';

export interface UpsertResult {
  outcome: UpsertOutcome;
  /** The alert as stored now (with its triage state); null when the revision was stale. */
  stored: StoredAlert | null;
}

export interface SensorRecord {
  sensorId: string;
  hostname: string;
  os: string;
  addresses: string[];
  mode: string;
  input: string;
  version: string;
  status: string;
  startTime: number;
  packetsSeen: number;
  packetsPublished: number;
  packetsDropped: number;
  bytesSeen: number;
  firstSeen: number;
  lastSeen: number;
  alertCount: number;
  online: boolean;
}

export interface SeverityCounts {
  LOW: number;
  MEDIUM: number;
  HIGH: number;
  CRITICAL: number;
}

export interface RawStats {
  /** Incidents ever stored (cumulative, first revision only). */
  total: number;
  bySeverity: SeverityCounts;
  byCategory: Record<string, number>;
  topSources: Array<{ src: string; count: number }>;
  /** 60 one-minute buckets of alert activity (every revision received), oldest first; the last is the current minute. */
  timeline: number[];
  /** Same 60 minutes split by severity, for the threat level window. */
  timelineBySeverity: SeverityCounts[];
  /** Alerts currently held by state. */
  byState: Record<AlertState, number>;
}

export interface AlertStore {
  /** Stores alerts keeping the highest revision per id; returns what happened to each. */
  upsert(alerts: Alert[], now: number): Promise<UpsertResult[]>;
  get(id: string): Promise<StoredAlert | null>;
  /** Newest activity first. */
  query(query: AlertQuery, page: Page): Promise<AlertPage>;
  /** Every match, newest first, read in bounded chunks (exports). */
  scan(query: AlertQuery): AsyncIterable<StoredAlert>;
  /** Sets the state of these ids; returns the ids that exist and changed. */
  setState(ids: string[], state: AlertState, by: string, now: number): Promise<string[]>;
  recordHeartbeat(heartbeat: Heartbeat, now: number): Promise<void>;
  /** Online = heartbeat within offlineMs; records older than pruneMs are removed here. */
  sensors(now: number): Promise<SensorRecord[]>;
  stats(now: number): Promise<RawStats>;
  close(): Promise<void>;
}

export interface AlertStoreLimits {
  recentAlertCap: number;
  alertTtlMs: number;
  topSourcesTracked: number;
  sensorOfflineMs: number;
  sensorPruneMs: number;
  maxSensors: number;
}
