/**
 * What every AlertStore adapter must do. Run by test/unit/gateway/store/memory-alert-store.test.ts
 * and test/integration/gateway/redis-alert-store.test.ts (real Redis).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertStore, AlertStoreLimits } from '../../services/gateway/store/port.ts';
import { makeAlert, makeHeartbeat } from '../unit/gateway/fixtures.ts';

export const CONTRACT_LIMITS: AlertStoreLimits = {
  recentAlertCap: 50,
  alertTtlMs: 7 * 24 * 3600_000,
  topSourcesTracked: 20,
  sensorOfflineMs: 90_000,
  sensorPruneMs: 24 * 3600_000,
  maxSensors: 5,
};

export type StoreFactory = (limits: AlertStoreLimits) => Promise<AlertStore>;

const NOW = 1_700_000_600_000;

export function alertStoreContract(name: string, factory: StoreFactory): void {
  describe(`AlertStore contract: ${name}`, () => {
    let store: AlertStore;
    beforeEach(async () => {
      store = await factory(CONTRACT_LIMITS);
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps the latest revision per id and ignores stale or repeated revisions', async () => {
      const a0 = makeAlert({ severity: 'MEDIUM', count: 1 });
      const a2 = { ...a0, revision: 2, count: 9, severity: 'HIGH' as const };
      const a1 = { ...a0, revision: 1, count: 5 };
      const created = await store.upsert([a0], NOW);
      expect(created.map((r) => r.outcome)).toEqual(['created']);
      expect(created[0].stored).toMatchObject({ state: 'new', receivedAt: NOW, updatedAt: NOW, alert: { id: a0.id, revision: 0 } });
      const later = await store.upsert([a2, a1, a2], NOW + 1);
      expect(later.map((r) => r.outcome)).toEqual(['updated', 'stale', 'stale']);
      expect(later[0].stored).toMatchObject({ receivedAt: NOW, updatedAt: NOW + 1, alert: { revision: 2 } });
      expect(later[1].stored).toBeNull();
      const got = await store.get(a0.id);
      expect(got?.alert.revision).toBe(2);
      expect(got?.alert.count).toBe(9);
      expect(got?.receivedAt).toBe(NOW);
      expect(got?.updatedAt).toBe(NOW + 1);
      const stats = await store.stats(NOW + 1);
      expect(stats.total).toBe(1);
      // severity counts follow the latest revision of the incident
      expect(stats.bySeverity).toEqual({ LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 });
      expect(stats.timeline.reduce((s, n) => s + n, 0)).toBe(2);
    });

    it('returns alerts newest activity first, filtered and paged', async () => {
      const a = makeAlert({ severity: 'LOW', category: 'port_scan', src: '10.1.1.1', dst: '10.9.9.9' });
      const b = makeAlert({ severity: 'CRITICAL', category: 'syn_flood', src: '10.1.1.2', title: 'SYN flood against web01' });
      const c = makeAlert({ severity: 'HIGH', category: 'brute_force', src: '10.1.1.3', sensorId: 'sensor-b', dst: '10.1.1.1' });
      await store.upsert([a, b, c], NOW);
      await store.upsert([{ ...a, revision: 1 }], NOW + 5);
      const all = await store.query({}, { offset: 0, limit: 10 });
      expect(all.total).toBe(3);
      expect(all.items.map((s) => s.alert.id)).toEqual([a.id, c.id, b.id]);
      const paged = await store.query({}, { offset: 1, limit: 1 });
      expect(paged.total).toBe(3);
      expect(paged.items.map((s) => s.alert.id)).toEqual([c.id]);
      expect((await store.query({ severity: ['CRITICAL', 'HIGH'] }, { offset: 0, limit: 10 })).items.map((s) => s.alert.id)).toEqual([c.id, b.id]);
      expect((await store.query({ category: ['port_scan'] }, { offset: 0, limit: 10 })).total).toBe(1);
      expect((await store.query({ q: 'web01' }, { offset: 0, limit: 10 })).items[0].alert.id).toBe(b.id);
      expect((await store.query({ q: 'WEB01' }, { offset: 0, limit: 10 })).total).toBe(1);
      // terms spanning fields of the search text, and evidence details as key=value
      expect((await store.query({ q: 'syn_flood critical' }, { offset: 0, limit: 10 })).items.map((s) => s.alert.id)).toEqual([b.id]);
      expect((await store.query({ q: 'ports=22' }, { offset: 0, limit: 10 })).total).toBe(3);
      expect((await store.query({ q: 'no-such-term' }, { offset: 0, limit: 10 })).total).toBe(0);
      expect((await store.query({ sensor: 'sensor-b' }, { offset: 0, limit: 10 })).total).toBe(1);
      expect((await store.query({ address: '10.1.1.1' }, { offset: 0, limit: 10 })).total).toBe(2);
      expect((await store.query({ src: '10.1.1.1' }, { offset: 0, limit: 10 })).total).toBe(1);
      expect((await store.query({ dst: '10.9.9.9' }, { offset: 0, limit: 10 })).total).toBe(1);
      expect((await store.query({ from: b.lastSeen, to: b.lastSeen }, { offset: 0, limit: 10 })).items.map((s) => s.alert.id)).toEqual([b.id]);
      const scanned: string[] = [];
      for await (const s of store.scan({ severity: ['LOW', 'HIGH'] })) scanned.push(s.alert.id);
      expect(scanned).toEqual([a.id, c.id]);
    });

    it('acknowledges and resolves with who and when; new evidence reopens a resolved alert', async () => {
      const a = makeAlert();
      const b = makeAlert();
      await store.upsert([a, b], NOW);
      expect(await store.setState([a.id, b.id, 'missing'], 'acknowledged', 'alice', NOW + 10)).toEqual([a.id, b.id]);
      expect(await store.setState([a.id], 'acknowledged', 'bob', NOW + 11)).toEqual([]);
      const acked = await store.get(a.id);
      expect(acked).toMatchObject({ state: 'acknowledged', stateBy: 'alice', stateAt: NOW + 10 });
      expect((await store.query({ state: ['acknowledged'] }, { offset: 0, limit: 10 })).total).toBe(2);
      await store.setState([b.id], 'resolved', 'bob', NOW + 20);
      let stats = await store.stats(NOW + 20);
      expect(stats.byState).toEqual({ new: 0, acknowledged: 1, resolved: 1 });
      // a new revision keeps an acknowledgement but reopens a resolved incident
      const reopened = await store.upsert([{ ...a, revision: 1 }, { ...b, revision: 1 }], NOW + 30);
      expect(reopened.map((r) => r.stored?.state)).toEqual(['acknowledged', 'new']);
      expect(reopened[0].stored?.stateBy).toBe('alice');
      expect((await store.get(a.id))?.state).toBe('acknowledged');
      expect((await store.get(b.id))?.state).toBe('new');
      stats = await store.stats(NOW + 30);
      expect(stats.byState).toEqual({ new: 1, acknowledged: 1, resolved: 0 });
      await store.setState([b.id], 'new', 'carol', NOW + 40);
      expect(await store.setState([b.id], 'resolved', 'carol', NOW + 41)).toEqual([b.id]);
    });

    it('caps the recent alerts, evicting the oldest activity', async () => {
      const alerts = Array.from({ length: CONTRACT_LIMITS.recentAlertCap + 10 }, () => makeAlert());
      await store.upsert(alerts.slice(0, 30), NOW);
      await store.upsert(alerts.slice(30), NOW + 1);
      const page = await store.query({}, { offset: 0, limit: 1000 });
      expect(page.total).toBe(CONTRACT_LIMITS.recentAlertCap);
      expect(await store.get(alerts[0].id)).toBeNull();
      expect(await store.get(alerts[alerts.length - 1].id)).not.toBeNull();
      const stats = await store.stats(NOW + 1);
      expect(stats.total).toBe(alerts.length);
      expect(stats.byState.new).toBe(CONTRACT_LIMITS.recentAlertCap);
    });

    it('counts by severity and category, top 10 sources, and 60 one-minute buckets', async () => {
      const alerts = [];
      for (let i = 0; i < 12; i += 1) for (let k = 0; k <= i; k += 1) alerts.push(makeAlert({ src: `172.16.0.${i}`, severity: i % 2 ? 'LOW' : 'CRITICAL', category: i % 3 ? 'port_scan' : 'tor_usage' }));
      await store.upsert(alerts.slice(0, 40), NOW - 30 * 60_000);
      await store.upsert(alerts.slice(40), NOW);
      const stats = await store.stats(NOW);
      expect(stats.total).toBe(78);
      expect(stats.topSources).toHaveLength(10);
      expect(stats.topSources[0]).toEqual({ src: '172.16.0.11', count: 12 });
      expect(stats.topSources[9]).toEqual({ src: '172.16.0.2', count: 3 });
      expect(stats.byCategory.tor_usage).toBe(1 + 4 + 7 + 10);
      expect(stats.bySeverity.LOW + stats.bySeverity.CRITICAL).toBe(78);
      expect(stats.timeline).toHaveLength(60);
      expect(stats.timeline[59]).toBe(38);
      expect(stats.timeline[29]).toBe(40);
      expect(stats.timelineBySeverity[59].LOW + stats.timelineBySeverity[59].CRITICAL).toBe(38);
      // an hour later the buckets have rolled out, the cumulative counts have not
      const later = await store.stats(NOW + 61 * 60_000);
      expect(later.timeline.every((n) => n === 0)).toBe(true);
      expect(later.total).toBe(78);
    });

    it('tracks sensors: online for 90 s, offline after, pruned after 24 h, with alert counts', async () => {
      await store.recordHeartbeat(makeHeartbeat({ sensorId: 's1', hostname: 'one', ts: NOW }), NOW);
      await store.recordHeartbeat(makeHeartbeat({ sensorId: 's2', hostname: 'two', ts: NOW - 100_000 }), NOW);
      await store.upsert([makeAlert({ sensorId: 's2' }), makeAlert({ sensorId: 's2' }), makeAlert({ sensorId: 's1' })], NOW);
      let sensors = await store.sensors(NOW + 1000);
      expect(sensors.map((s) => [s.sensorId, s.online, s.alertCount])).toEqual([
        ['s2', false, 2],
        ['s1', true, 1],
      ]);
      // an older heartbeat replayed later never rolls a sensor back
      await store.recordHeartbeat(makeHeartbeat({ sensorId: 's1', hostname: 'old-name', ts: NOW - 50_000 }), NOW + 2000);
      sensors = await store.sensors(NOW + 2000);
      expect(sensors.find((s) => s.sensorId === 's1')?.hostname).toBe('one');
      expect(sensors.find((s) => s.sensorId === 's1')?.lastSeen).toBe(NOW);
      sensors = await store.sensors(NOW + 91_000);
      expect(sensors.find((s) => s.sensorId === 's1')?.online).toBe(false);
      sensors = await store.sensors(NOW + 24 * 3600_000 - 50_000);
      expect(sensors.map((s) => s.sensorId)).toEqual(['s1']);
      sensors = await store.sensors(NOW + 24 * 3600_000 + 1000);
      expect(sensors).toEqual([]);
    });

    it('bounds the sensor table', async () => {
      for (let i = 0; i < CONTRACT_LIMITS.maxSensors + 3; i += 1) await store.recordHeartbeat(makeHeartbeat({ sensorId: `s${i}`, ts: NOW }), NOW);
      expect(await store.sensors(NOW)).toHaveLength(CONTRACT_LIMITS.maxSensors);
    });
  });
}
