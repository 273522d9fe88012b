/**
 * In-process AlertStore for the embedded mode and fast tests. Bounded like the Redis adapter:
 * at most recentAlertCap alerts, topSourcesTracked sources, 60 minutes of buckets, maxSensors
 * sensors. A Map keeps insertion order, so re-inserting on update keeps it sorted by activity.
 */
import type { Alert, Heartbeat, Severity } from '../../common/model.ts';
import { matches, minuteOf, TIMELINE_MINUTES } from './filter.ts';
import type { AlertPage, AlertQuery, AlertState, AlertStore, AlertStoreLimits, Page, RawStats, SensorRecord, SeverityCounts, StoredAlert, UpsertResult } from './port.ts';
import { sensorFromHeartbeat, sensorOrder, toSensorRecord, type StoredSensor } from './sensor-record.ts';

export function emptySeverityCounts(): SeverityCounts {
  return { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
}

export class MemoryAlertStore implements AlertStore {
  private readonly alerts = new Map<string, StoredAlert>();
  private readonly sensorTable = new Map<string, StoredSensor>();
  private readonly sensorAlerts = new Map<string, number>();
  private readonly sources = new Map<string, number>();
  private readonly buckets = new Map<number, SeverityCounts>();
  private readonly byCategory = new Map<string, number>();
  private readonly bySeverity = emptySeverityCounts();
  private readonly byState: Record<AlertState, number> = { new: 0, acknowledged: 0, resolved: 0 };
  private total = 0;

  constructor(private readonly limits: AlertStoreLimits) {}

  async upsert(alerts: Alert[], now: number): Promise<UpsertResult[]> {
    const results: UpsertResult[] = [];
    for (const alert of alerts) {
      const outcome = this.upsertOne(alert, now);
      results.push({ outcome, stored: outcome === 'stale' ? null : { ...this.alerts.get(alert.id)! } });
    }
    this.evict(now);
    return results;
  }

  private upsertOne(alert: Alert, now: number): 'created' | 'updated' | 'stale' {
    const previous = this.alerts.get(alert.id);
    if (previous && previous.alert.revision >= alert.revision) return 'stale';
    this.bucket(minuteOf(now), alert.severity);
    if (previous) {
      this.alerts.delete(alert.id);
      if (previous.alert.severity !== alert.severity) {
        this.bySeverity[previous.alert.severity] -= 1;
        this.bySeverity[alert.severity] += 1;
      }
      // A resolved incident that gets new evidence is open again.
      const reopened = previous.state === 'resolved';
      if (reopened) {
        this.byState.resolved -= 1;
        this.byState.new += 1;
      }
      this.alerts.set(alert.id, {
        ...previous,
        alert,
        updatedAt: now,
        ...(reopened ? { state: 'new' as const, stateBy: null, stateAt: now } : {}),
      });
      return 'updated';
    }
    this.alerts.set(alert.id, { alert, state: 'new', stateBy: null, stateAt: null, receivedAt: now, updatedAt: now });
    this.total += 1;
    this.byState.new += 1;
    this.bySeverity[alert.severity] += 1;
    this.byCategory.set(alert.category, (this.byCategory.get(alert.category) ?? 0) + 1);
    this.sensorAlerts.set(alert.sensorId, (this.sensorAlerts.get(alert.sensorId) ?? 0) + 1);
    if (alert.src) this.sources.set(alert.src, (this.sources.get(alert.src) ?? 0) + 1);
    return 'created';
  }

  private bucket(minute: number, severity: Severity): void {
    let counts = this.buckets.get(minute);
    if (!counts) {
      counts = emptySeverityCounts();
      this.buckets.set(minute, counts);
    }
    counts[severity] += 1;
  }

  private evict(now: number): void {
    for (const [id, stored] of this.alerts) {
      if (this.alerts.size <= this.limits.recentAlertCap && now - stored.updatedAt <= this.limits.alertTtlMs) break;
      this.alerts.delete(id);
      this.byState[stored.state] -= 1;
    }
    if (this.sources.size > this.limits.topSourcesTracked * 2) {
      const keep = [...this.sources].sort((a, b) => b[1] - a[1]).slice(0, this.limits.topSourcesTracked);
      this.sources.clear();
      for (const [src, count] of keep) this.sources.set(src, count);
    }
    const oldest = minuteOf(now) - TIMELINE_MINUTES;
    for (const minute of this.buckets.keys()) if (minute <= oldest) this.buckets.delete(minute);
    if (this.sensorAlerts.size > this.limits.maxSensors * 2) {
      for (const id of this.sensorAlerts.keys()) if (!this.sensorTable.has(id)) this.sensorAlerts.delete(id);
    }
  }

  async get(id: string): Promise<StoredAlert | null> {
    return this.alerts.get(id) ?? null;
  }

  async query(query: AlertQuery, page: Page): Promise<AlertPage> {
    const items: StoredAlert[] = [];
    let total = 0;
    for (const stored of this.newestFirst()) {
      if (!matches(query, stored)) continue;
      if (total >= page.offset && items.length < page.limit) items.push(stored);
      total += 1;
    }
    return { total, items };
  }

  async *scan(query: AlertQuery): AsyncIterable<StoredAlert> {
    // Snapshot the ids so writes during a long export do not disturb the walk.
    const ids = [...this.alerts.keys()].reverse();
    for (const id of ids) {
      const stored = this.alerts.get(id);
      if (stored && matches(query, stored)) yield stored;
    }
  }

  private *newestFirst(): Iterable<StoredAlert> {
    const values = [...this.alerts.values()];
    for (let i = values.length - 1; i >= 0; i -= 1) yield values[i];
  }

  async setState(ids: string[], state: AlertState, by: string, now: number): Promise<string[]> {
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const stored = this.alerts.get(id);
      if (!stored || stored.state === state) continue;
      this.byState[stored.state] -= 1;
      this.byState[state] += 1;
      // Same object identity keeps the Map order (state changes are not alert activity).
      stored.state = state;
      stored.stateBy = by;
      stored.stateAt = now;
      changed.push(id);
    }
    return changed;
  }

  async recordHeartbeat(heartbeat: Heartbeat, now: number): Promise<void> {
    const previous = this.sensorTable.get(heartbeat.sensorId) ?? null;
    if (!previous && this.sensorTable.size >= this.limits.maxSensors) {
      this.pruneSensors(now);
      if (this.sensorTable.size >= this.limits.maxSensors) return;
    }
    this.sensorTable.set(heartbeat.sensorId, sensorFromHeartbeat(heartbeat, previous, now));
  }

  private pruneSensors(now: number): void {
    for (const [id, sensor] of this.sensorTable) {
      if (now - sensor.lastSeen > this.limits.sensorPruneMs) {
        this.sensorTable.delete(id);
        this.sensorAlerts.delete(id);
      }
    }
  }

  async sensors(now: number): Promise<SensorRecord[]> {
    this.pruneSensors(now);
    return [...this.sensorTable.values()]
      .map((s) => toSensorRecord(s, this.sensorAlerts.get(s.sensorId) ?? 0, now, this.limits.sensorOfflineMs))
      .sort(sensorOrder);
  }

  async stats(now: number): Promise<RawStats> {
    const current = minuteOf(now);
    const timelineBySeverity: SeverityCounts[] = [];
    for (let m = current - TIMELINE_MINUTES + 1; m <= current; m += 1) timelineBySeverity.push({ ...(this.buckets.get(m) ?? emptySeverityCounts()) });
    return {
      total: this.total,
      bySeverity: { ...this.bySeverity },
      byCategory: Object.fromEntries([...this.byCategory].sort((a, b) => b[1] - a[1])),
      topSources: [...this.sources]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(([src, count]) => ({ src, count })),
      timeline: timelineBySeverity.map((c) => c.LOW + c.MEDIUM + c.HIGH + c.CRITICAL),
      timelineBySeverity,
      byState: { ...this.byState },
    };
  }

  async close(): Promise<void> {}
}
