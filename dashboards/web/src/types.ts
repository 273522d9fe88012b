/** The gateway's JSON, as the dashboard sees it (mirrors services/gateway/store/port.ts and stats.ts). */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type AlertState = 'new' | 'acknowledged' | 'resolved';

export interface Alert {
  id: string;
  revision: number;
  ts: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  category: string;
  severity: Severity;
  title: string;
  mitre: { tactic: string; tacticId: string; technique: string; techniqueId: string };
  src: string;
  dst: string | null;
  srcPort: number | null;
  dstPort: number | null;
  protocol: number | null;
  communityId: string | null;
  evidence: { count: number; threshold: number; baseThreshold: number; windowSeconds: number; unit: string; details: Record<string, string> };
  intel: { verdict: string; entity: string; source: string; malicious: number; suspicious: number; reputation: number; multiplier: number };
  sensorId: string;
  sensorHost: string;
  detector: string;
}

export interface StoredAlert {
  alert: Alert;
  state: AlertState;
  stateBy: string | null;
  stateAt: number | null;
  receivedAt: number;
  updatedAt: number;
}

export type SeverityCounts = Record<Severity, number>;

export interface Stats {
  total: number;
  bySeverity: SeverityCounts;
  byCategory: Record<string, number>;
  topCategories: Array<{ category: string; count: number }>;
  topSources: Array<{ src: string; count: number }>;
  timeline: number[];
  timelineBySeverity: SeverityCounts[];
  byState: Record<AlertState, number>;
  threat: { level: 'NORMAL' | 'ELEVATED' | 'HIGH' | 'CRITICAL'; score: number; windowMinutes: number; counts: SeverityCounts };
  last5Minutes: number;
  generatedAt: number;
}

export interface Sensor {
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

export interface SensorList {
  online: number;
  total: number;
  sensors: Sensor[];
}

export interface FeedFilter {
  severity: Severity | null;
  state: AlertState | 'open' | null;
  q: string;
  address: string | null;
}
