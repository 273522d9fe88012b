import { describe, expect, it } from 'vitest';
import { sensorFromHeartbeat, toSensorRecord } from '../../../../services/gateway/store/sensor-record.ts';
import { sampleHeartbeat } from '../../../support/sample-records.ts';

describe('sensor records', () => {
  const now = 1_700_000_000_000;

  it('is online while heartbeats arrive, offline after gateway.sensorOfflineSeconds without one', () => {
    const stored = sensorFromHeartbeat(sampleHeartbeat({ ts: now }), null, now);
    expect(toSensorRecord(stored, 0, now + 89_000, 90_000).online).toBe(true);
    expect(toSensorRecord(stored, 0, now + 91_000, 90_000).online).toBe(false);
  });

  it('is offline at once after a clean shutdown (last heartbeat status "stopped")', () => {
    const stored = sensorFromHeartbeat(sampleHeartbeat({ ts: now, status: 'stopped' }), null, now);
    expect(toSensorRecord(stored, 0, now + 1000, 90_000).online).toBe(false);
  });
});
