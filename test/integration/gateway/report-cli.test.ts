import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisAlertStore } from '../../../services/gateway/store/redis-alert-store.ts';
import { servicesEnv } from '../../setup/services-env.ts';
import { makeAlert } from '../../unit/gateway/fixtures.ts';

const run = promisify(execFile);

describe('netsentinel report', () => {
  const prefix = `report-${randomUUID().slice(0, 8)}:`;
  const dir = mkdtempSync(join(tmpdir(), 'ns-report-'));
  const store = new RedisAlertStore({ url: inject('services').redisUrl, keyPrefix: prefix, limits: { recentAlertCap: 1000, alertTtlMs: 3_600_000, topSourcesTracked: 100, sensorOfflineMs: 90_000, sensorPruneMs: 86_400_000, maxSensors: 10 } });
  afterAll(async () => {
    await store.clear();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the report of the last hour from the gateway store with --since 1h -o report.json', async () => {
    const now = Date.now();
    await store.upsert([makeAlert({ severity: 'CRITICAL', category: 'arp_spoofing' })], now - 2 * 3_600_000);
    await store.upsert([makeAlert({ severity: 'HIGH', category: 'brute_force' }), makeAlert({ severity: 'LOW' })], now - 60_000);
    const file = join(dir, 'report.json');
    await run('node', ['bin/netsentinel.js', 'report', '--since', '1h', '-o', file], { env: { ...process.env, ...servicesEnv(inject('services')), NETSENTINEL_REDIS_KEY_PREFIX: prefix, NETSENTINEL_LOG_LEVEL: 'warn' } });
    const report = JSON.parse(readFileSync(file, 'utf8'));
    // the CRITICAL arrived two hours ago: outside --since 1h
    expect(report.executive_summary).toMatchObject({ total_threats: 2, risk_level: 'MEDIUM', by_severity: { CRITICAL: 0, HIGH: 1, LOW: 1 } });
    expect(report.threat_events.map((e: { threat_type: string }) => e.threat_type)).toEqual(['BRUTE_FORCE', 'PORT_SCAN']);
    await expect(run('node', ['bin/netsentinel.js', 'report', '--since', 'soon'])).rejects.toMatchObject({ stderr: expect.stringContaining('--since soon') });
  });
});
