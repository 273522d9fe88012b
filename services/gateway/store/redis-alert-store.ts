/**
 * AlertStore in Redis, so every gateway replica and every restart sees the same picture.
 * Every key has a TTL and every collection a bound (recentAlertCap, topSourcesTracked,
 * maxSensors, 60 minute buckets). Writes that touch several keys are Lua scripts (lua/*.lua),
 * one round trip per alert, pipelined per batch.
 *
 * Keys (after redis.keyPrefix + "gw:"): a:<id> hash (alert JSON + triage state), recent zset
 * (id by activity sequence), counts hash, sources zset, tl:<minute> hash, sensors hash,
 * sensor-alerts hash, seq counter.
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { StateStoreError } from '../../common/errors.ts';
import type { Alert, Heartbeat } from '../../common/model.ts';
import { isEmptyQuery, matches, minuteOf, TIMELINE_MINUTES } from './filter.ts';
import { emptySeverityCounts } from './memory-alert-store.ts';
import type { AlertPage, AlertQuery, AlertState, AlertStore, AlertStoreLimits, Page, RawStats, SensorRecord, SeverityCounts, StoredAlert, UpsertOutcome, UpsertResult } from './port.ts';
import { sensorFromHeartbeat, sensorOrder, toSensorRecord, type StoredSensor } from './sensor-record.ts';

const UPSERT_LUA = readFileSync(new URL('./lua/upsert-alert.lua', import.meta.url), 'utf8');
const SET_STATE_LUA = readFileSync(new URL('./lua/set-alert-state.lua', import.meta.url), 'utf8');
const SCAN_CHUNK = 500;
const BUCKET_TTL_MS = 2 * TIMELINE_MINUTES * 60_000;
const ALERT_FIELDS = ['alert', 'state', 'stateBy', 'stateAt', 'receivedAt', 'updatedAt'] as const;

interface ScriptedRedis extends Redis {
  nsUpsertAlert(...args: Array<string | number>): Promise<string>;
  nsSetAlertState(...args: Array<string | number>): Promise<number>;
}

export interface RedisAlertStoreOptions {
  url: string;
  password?: string;
  /** Prefix of every key (redis.keyPrefix); the store adds "gw:". */
  keyPrefix: string;
  limits: AlertStoreLimits;
  tls?: RedisOptions['tls'];
}

export class RedisAlertStore implements AlertStore {
  private readonly redis: ScriptedRedis;
  private readonly p: string;
  private readonly limits: AlertStoreLimits;

  constructor(options: RedisAlertStoreOptions) {
    this.p = `${options.keyPrefix}gw:`;
    this.limits = options.limits;
    const redis = new Redis(options.url, {
      ...(options.password ? { password: options.password } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      maxRetriesPerRequest: 3,
      lazyConnect: false,
    });
    redis.defineCommand('nsUpsertAlert', { numberOfKeys: 7, lua: UPSERT_LUA });
    redis.defineCommand('nsSetAlertState', { numberOfKeys: 2, lua: SET_STATE_LUA });
    // Errors surface on the commands; without a listener ioredis would print them itself.
    redis.on('error', () => undefined);
    this.redis = redis as ScriptedRedis;
  }

  private alertKey(id: string): string {
    return `${this.p}a:${id}`;
  }

  private wrap<T>(what: string, promise: Promise<T>): Promise<T> {
    return promise.catch((err: Error) => {
      throw new StateStoreError(`redis ${what}: ${err.message} (check redis.url and that Redis is up)`, { cause: err });
    });
  }

  async upsert(alerts: Alert[], now: number): Promise<UpsertResult[]> {
    if (alerts.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as { nsUpsertAlert(...args: Array<string | number>): void; exec(): Promise<Array<[Error | null, unknown]> | null> };
    const tlKey = `${this.p}tl:${minuteOf(now)}`;
    for (const alert of alerts) {
      pipeline.nsUpsertAlert(
        this.alertKey(alert.id),
        `${this.p}recent`,
        `${this.p}counts`,
        `${this.p}sources`,
        tlKey,
        `${this.p}sensor-alerts`,
        `${this.p}seq`,
        alert.id,
        alert.revision,
        JSON.stringify(alert),
        now,
        this.limits.recentAlertCap,
        Math.ceil(this.limits.alertTtlMs),
        alert.severity,
        alert.category,
        alert.src,
        alert.sensorId,
        this.limits.topSourcesTracked,
        `${this.p}a:`,
        BUCKET_TTL_MS,
      );
    }
    const results = await this.wrap('upsert', pipeline.exec());
    return (results ?? []).map(([err, value], i) => {
      if (err) throw new StateStoreError(`redis upsert: ${err.message}`, { cause: err });
      // The script answers [outcome, state, stateBy, stateAt, receivedAt, updatedAt].
      const [outcome, state, stateBy, stateAt, receivedAt, updatedAt] = value as string[];
      if (outcome === 'stale') return { outcome, stored: null };
      return {
        outcome: outcome as UpsertOutcome,
        stored: {
          alert: alerts[i],
          state: state as AlertState,
          stateBy: stateBy ? stateBy : null,
          stateAt: stateAt ? Number(stateAt) : null,
          receivedAt: Number(receivedAt),
          updatedAt: Number(updatedAt),
        },
      };
    });
  }

  async get(id: string): Promise<StoredAlert | null> {
    const values = await this.wrap('get', this.redis.hmget(this.alertKey(id), ...ALERT_FIELDS));
    return parseStored(values);
  }

  /**
   * Reads ids newest first in chunks; drops index entries whose hash expired. `maybe` sees the
   * raw alert JSON first: a full-text search skips the parse of alerts whose text cannot match.
   */
  private async *walk(maybe?: (rawAlert: string) => boolean): AsyncIterable<StoredAlert> {
    let start = 0;
    for (;;) {
      const ids = await this.wrap('scan', this.redis.zrevrange(`${this.p}recent`, start, start + SCAN_CHUNK - 1));
      if (ids.length === 0) return;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.alertKey(id), ...ALERT_FIELDS);
      const rows = (await this.wrap('scan', pipeline.exec())) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i += 1) {
        const values = (rows[i]?.[1] as Array<string | null>) ?? [];
        if (values[0] && maybe && !maybe(values[0])) continue;
        const stored = parseStored(values);
        if (stored) yield stored;
        else gone.push(ids[i]);
      }
      if (gone.length) {
        await this.wrap('scan', this.redis.zrem(`${this.p}recent`, ...gone));
        start -= gone.length;
      }
      if (ids.length < SCAN_CHUNK) return;
      start += SCAN_CHUNK;
    }
  }

  async query(query: AlertQuery, page: Page): Promise<AlertPage> {
    if (isEmptyQuery(query)) {
      // The common case (the dashboard's first page) reads only the page.
      const total = await this.wrap('query', this.redis.zcard(`${this.p}recent`));
      const ids = page.limit > 0 ? await this.wrap('query', this.redis.zrevrange(`${this.p}recent`, page.offset, page.offset + page.limit - 1)) : [];
      const items: StoredAlert[] = [];
      for (const id of ids) {
        const stored = await this.get(id);
        if (stored) items.push(stored);
      }
      return { total, items };
    }
    const items: StoredAlert[] = [];
    let total = 0;
    for await (const stored of this.walk(textPrefilter(query))) {
      if (!matches(query, stored)) continue;
      if (total >= page.offset && items.length < page.limit) items.push(stored);
      total += 1;
    }
    return { total, items };
  }

  async *scan(query: AlertQuery): AsyncIterable<StoredAlert> {
    for await (const stored of this.walk(textPrefilter(query))) if (matches(query, stored)) yield stored;
  }

  async setState(ids: string[], state: AlertState, by: string, now: number): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as { nsSetAlertState(...args: Array<string | number>): void; exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const id of unique) pipeline.nsSetAlertState(this.alertKey(id), `${this.p}counts`, state, by, now);
    const results = (await this.wrap('setState', pipeline.exec())) ?? [];
    return unique.filter((_, i) => results[i]?.[1] === 1);
  }

  async recordHeartbeat(heartbeat: Heartbeat, now: number): Promise<void> {
    const key = `${this.p}sensors`;
    const previousText = await this.wrap('heartbeat', this.redis.hget(key, heartbeat.sensorId));
    const previous = previousText ? (JSON.parse(previousText) as StoredSensor) : null;
    if (!previous && (await this.wrap('heartbeat', this.redis.hlen(key))) >= this.limits.maxSensors) {
      await this.sensors(now);
      if ((await this.wrap('heartbeat', this.redis.hlen(key))) >= this.limits.maxSensors) return;
    }
    const next = sensorFromHeartbeat(heartbeat, previous, now);
    await this.wrap('heartbeat', this.redis.multi().hset(key, heartbeat.sensorId, JSON.stringify(next)).pexpire(key, Math.ceil(this.limits.sensorPruneMs)).exec());
  }

  async sensors(now: number): Promise<SensorRecord[]> {
    const [table, counts] = await Promise.all([
      this.wrap('sensors', this.redis.hgetall(`${this.p}sensors`)),
      this.wrap('sensors', this.redis.hgetall(`${this.p}sensor-alerts`)),
    ]);
    const records: SensorRecord[] = [];
    const pruned: string[] = [];
    for (const [id, text] of Object.entries(table)) {
      const stored = JSON.parse(text) as StoredSensor;
      if (now - stored.lastSeen > this.limits.sensorPruneMs) pruned.push(id);
      else records.push(toSensorRecord(stored, Number(counts[id] ?? 0), now, this.limits.sensorOfflineMs));
    }
    if (pruned.length) {
      await this.wrap('sensors', this.redis.multi().hdel(`${this.p}sensors`, ...pruned).hdel(`${this.p}sensor-alerts`, ...pruned).exec());
    }
    return records.sort(sensorOrder);
  }

  async stats(now: number): Promise<RawStats> {
    const current = minuteOf(now);
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(`${this.p}counts`);
    pipeline.zrevrange(`${this.p}sources`, 0, 9, 'WITHSCORES');
    for (let m = current - TIMELINE_MINUTES + 1; m <= current; m += 1) pipeline.hgetall(`${this.p}tl:${m}`);
    const rows = (await this.wrap('stats', pipeline.exec())) ?? [];
    const counts = (rows[0]?.[1] ?? {}) as Record<string, string>;
    const sources = (rows[1]?.[1] ?? []) as string[];
    const timelineBySeverity: SeverityCounts[] = rows.slice(2).map(([, value]) => {
      const bucket = (value ?? {}) as Record<string, string>;
      const c = emptySeverityCounts();
      for (const sev of Object.keys(c) as Array<keyof SeverityCounts>) c[sev] = Number(bucket[sev] ?? 0);
      return c;
    });
    const bySeverity = emptySeverityCounts();
    const byCategory: Record<string, number> = {};
    const byState: Record<AlertState, number> = { new: 0, acknowledged: 0, resolved: 0 };
    for (const [field, value] of Object.entries(counts)) {
      const n = Number(value);
      if (field.startsWith('sev:')) bySeverity[field.slice(4) as keyof SeverityCounts] = n;
      else if (field.startsWith('cat:') && n > 0) byCategory[field.slice(4)] = n;
      else if (field.startsWith('state:')) byState[field.slice(6) as AlertState] = Math.max(0, n);
    }
    const topSources: Array<{ src: string; count: number }> = [];
    for (let i = 0; i < sources.length; i += 2) topSources.push({ src: sources[i], count: Number(sources[i + 1]) });
    topSources.sort((a, b) => b.count - a.count || a.src.localeCompare(b.src));
    return {
      total: Number(counts.total ?? 0),
      bySeverity,
      byCategory: Object.fromEntries(Object.entries(byCategory).sort((a, b) => b[1] - a[1])),
      topSources,
      timeline: timelineBySeverity.map((c) => c.LOW + c.MEDIUM + c.HIGH + c.CRITICAL),
      timelineBySeverity,
      byState,
    };
  }

  /** Deletes every key of this store (tests and `--reset`). */
  async clear(): Promise<void> {
    let cursor = '0';
    for (let rounds = 0; rounds < 100_000; rounds += 1) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.p}*`, 'COUNT', 1000);
      if (keys.length) await this.redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') return;
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The alert's JSON holds every searched field, so a term absent from it cannot match. Only for
 * terms that cannot span two fields of the search text (no space, no "=") and that JSON
 * writes verbatim (no quote, backslash or control character).
 */
function textPrefilter(query: AlertQuery): ((raw: string) => boolean) | undefined {
  const q = query.q?.toLowerCase();
  if (!q || !/^[^\s="\\\x00-\x1f]+$/.test(q)) return undefined;
  return (raw) => raw.toLowerCase().includes(q);
}

function parseStored(values: Array<string | null>): StoredAlert | null {
  const [alert, state, stateBy, stateAt, receivedAt, updatedAt] = values;
  if (!alert) return null;
  return {
    alert: JSON.parse(alert) as Alert,
    state: (state ?? 'new') as AlertState,
    stateBy: stateBy ? stateBy : null,
    stateAt: stateAt ? Number(stateAt) : null,
    receivedAt: Number(receivedAt),
    updatedAt: Number(updatedAt),
  };
}
