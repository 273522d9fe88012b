/** How a heartbeat becomes a row of the sensor table (shared by both store adapters). */
import type { Heartbeat } from '../../common/model.ts';
import type { SensorRecord } from './port.ts';

export interface StoredSensor extends Omit<SensorRecord, 'online' | 'alertCount'> {}

export function sensorFromHeartbeat(hb: Heartbeat, previous: StoredSensor | null, now: number): StoredSensor {
  // The sensor's clock may run ahead; never let a heartbeat look newer than our own now.
  const seen = Math.min(hb.ts, now);
  // Heartbeats replayed out of order (compacted topic read from the start) never roll a sensor back.
  if (previous && seen < previous.lastSeen) return previous;
  return {
    sensorId: hb.sensorId,
    hostname: hb.hostname,
    os: hb.os,
    addresses: hb.addresses.slice(0, 32),
    mode: hb.mode,
    input: hb.input,
    version: hb.version,
    status: hb.status,
    startTime: hb.startTime,
    packetsSeen: hb.packetsSeen,
    packetsPublished: hb.packetsPublished,
    packetsDropped: hb.packetsDropped,
    bytesSeen: hb.bytesSeen,
    firstSeen: previous ? Math.min(previous.firstSeen, seen) : seen,
    lastSeen: previous ? Math.max(previous.lastSeen, seen) : seen,
  };
}

export function toSensorRecord(stored: StoredSensor, alertCount: number, now: number, offlineMs: number): SensorRecord {
  // A sensor that said goodbye (status "stopped" in its last heartbeat) is offline at once,
  // not 90 s later.
  return { ...stored, alertCount, online: stored.status !== 'stopped' && now - stored.lastSeen < offlineMs };
}

/** Most alerts first, then by name: the order of the seed's agent cards. */
export function sensorOrder(a: SensorRecord, b: SensorRecord): number {
  return b.alertCount - a.alertCount || a.hostname.localeCompare(b.hostname) || a.sensorId.localeCompare(b.sensorId);
}
