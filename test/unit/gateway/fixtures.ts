/** Alerts and heartbeats for gateway tests, benchmarks and the browser e2e. */
import type { Alert, Category, Heartbeat, Severity } from '../../../services/common/model.ts';

let serial = 0;

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  serial += 1;
  const ts = overrides.ts ?? 1_700_000_000_000 + serial * 1000;
  const category: Category = overrides.category ?? 'port_scan';
  const severity: Severity = overrides.severity ?? 'HIGH';
  return {
    id: `al-${serial.toString(16).padStart(8, '0')}`,
    revision: 0,
    ts,
    firstSeen: ts,
    lastSeen: ts,
    count: 1,
    category,
    severity,
    title: `Port scan from 10.0.0.${serial % 250}: 20 ports in 10 s`,
    mitre: { tactic: 'Discovery', tacticId: 'TA0007', technique: 'Network Service Discovery', techniqueId: 'T1046' },
    src: `10.0.0.${serial % 250}`,
    dst: '192.168.1.10',
    srcPort: null,
    dstPort: null,
    protocol: 6,
    communityId: null,
    evidence: { count: 20, threshold: 15, baseThreshold: 15, windowSeconds: 10, unit: 'ports', details: { ports: '22,80,443' } },
    intel: { verdict: 'UNKNOWN', entity: `10.0.0.${serial % 250}`, source: 'none', malicious: 0, suspicious: 0, reputation: 0, multiplier: 1 },
    sensorId: 'sensor-a',
    sensorHost: 'lab-host',
    detector: 'port-scan',
    ...overrides,
  };
}

export function makeHeartbeat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    sensorId: 'sensor-a',
    hostname: 'lab-host',
    os: 'linux',
    addresses: ['10.0.0.2'],
    mode: 'replay',
    input: 'attack.pcap',
    version: '0.1.0',
    ts: 1_700_000_000_000,
    startTime: 1_699_999_000_000,
    packetsSeen: 100,
    packetsPublished: 100,
    packetsDropped: 0,
    bytesSeen: 64_000,
    status: 'running',
    ...overrides,
  };
}
