/**
 * The incident report in the 0xNullVector seed's JSON shape (report_metadata,
 * executive_summary with risk_level, threat_events, network_state, system_metrics,
 * recommendations), built from stored alerts. Beyond the seed: every category has
 * recommendations (the seed had none for scans, DNS and beaconing, so a report with only
 * those said "no immediate threats"), and the events are capped so a report stays bounded.
 */
import { hostname } from 'node:os';
import type { Category, Severity } from '../common/model.ts';
import type { SensorRecord, StoredAlert } from './store/port.ts';

export const REPORT_MAX_EVENTS = 10_000;

export type RiskLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'CLEAN';

const SEVERITY_ORDER: Record<Severity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

export const RECOMMENDATIONS: Record<Category, string[]> = {
  arp_spoofing: ['Enable dynamic ARP inspection (DAI) on managed switches.', 'Use static ARP entries for critical hosts.'],
  suspicious_port: ['Investigate processes connecting to high-risk ports immediately.', 'Review firewall egress rules to block unnecessary outbound traffic.'],
  tor_usage: ['Block Tor exit nodes and known Tor ports at the firewall level.'],
  lateral_movement: ['Implement network segmentation to limit lateral movement.', 'Enable multi-factor authentication on all admin interfaces.'],
  data_exfiltration: ['Implement DLP (Data Loss Prevention) policies.', 'Monitor outbound traffic volume per process.'],
  port_scan: ['Identify the scanning host and confirm whether the scan was authorised.', 'Close or filter services that need not be reachable from the scanning network.'],
  host_sweep: ['Identify the sweeping host and confirm whether the discovery was authorised.'],
  syn_flood: ['Enable SYN cookies and rate-limit new connections at the edge.', 'Coordinate upstream filtering for volumetric floods.'],
  icmp_flood: ['Rate-limit ICMP echo at the edge.'],
  dns_tunnelling: ['Inspect DNS traffic of the source host and block the tunnelling domain.', 'Force clients to use internal resolvers with query logging.'],
  brute_force: ['Lock out or rate-limit repeated authentication failures.', 'Enable multi-factor authentication on all admin interfaces.'],
  c2_beaconing: ['Isolate the beaconing host and investigate it for malware.', 'Block the beacon destination at the firewall and proxy.'],
  other: ['Review the alert evidence and tune the detector if it is benign.'],
};

const NOTHING_FOUND = ['Continue monitoring — no immediate threats detected.', 'Ensure firewall egress rules are up to date.'];

/** The seed's _overall_risk, first match wins. */
export function riskLevel(bySeverity: Record<Severity, number>): RiskLevel {
  if (bySeverity.CRITICAL > 0) return 'CRITICAL';
  if (bySeverity.HIGH > 2) return 'HIGH';
  if (bySeverity.HIGH > 0 || bySeverity.MEDIUM > 3) return 'MEDIUM';
  if (bySeverity.MEDIUM > 0) return 'LOW';
  return 'CLEAN';
}

export interface ReportOptions {
  since: number;
  until: number;
  version: string;
  sensors: SensorRecord[];
  generatedAt?: number;
  host?: string;
  /** The capture files a report of `analyze` was made from (report_metadata.captures). */
  captures?: string[];
  /** The libpcap filter `analyze --filter` read them with (report_metadata.capture_filter). */
  captureFilter?: string;
}

export interface ThreatEvent {
  id: string;
  timestamp: string;
  first_seen: string;
  threat_type: string;
  severity: Severity;
  description: string;
  source_ip: string;
  dest_ip: string | null;
  source_port: number | null;
  dest_port: number | null;
  protocol: number | null;
  mitre_tactic: string;
  mitre_technique: string;
  count: number;
  evidence: StoredAlert['alert']['evidence'];
  intel_verdict: string;
  sensor: string;
  community_id: string | null;
  state: StoredAlert['state'];
}

export async function buildReport(alerts: AsyncIterable<StoredAlert>, options: ReportOptions) {
  const bySeverity: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  const byTactic: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  const events: ThreatEvent[] = [];
  let total = 0;
  for await (const { alert, state } of alerts) {
    total += 1;
    bySeverity[alert.severity] += 1;
    byTactic[alert.mitre.tactic] = (byTactic[alert.mitre.tactic] ?? 0) + 1;
    byCategory[alert.category] = (byCategory[alert.category] ?? 0) + 1;
    if (events.length >= REPORT_MAX_EVENTS) continue;
    events.push({
      id: alert.id,
      timestamp: new Date(alert.lastSeen).toISOString(),
      first_seen: new Date(alert.firstSeen).toISOString(),
      threat_type: alert.category.toUpperCase(),
      severity: alert.severity,
      description: alert.title,
      source_ip: alert.src,
      dest_ip: alert.dst,
      source_port: alert.srcPort,
      dest_port: alert.dstPort,
      protocol: alert.protocol,
      mitre_tactic: `${alert.mitre.tacticId} ${alert.mitre.tactic}`.trim(),
      mitre_technique: `${alert.mitre.techniqueId} ${alert.mitre.technique}`.trim(),
      count: alert.count,
      evidence: alert.evidence,
      intel_verdict: alert.intel.verdict,
      sensor: alert.sensorHost || alert.sensorId,
      community_id: alert.communityId,
      state,
    });
  }
  events.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.timestamp.localeCompare(a.timestamp));
  const recommendations = new Set<string>();
  for (const category of Object.keys(byCategory) as Category[]) for (const r of RECOMMENDATIONS[category] ?? RECOMMENDATIONS.other) recommendations.add(r);
  const memory = process.memoryUsage();
  return {
    report_metadata: {
      tool: 'NetSentinel',
      version: options.version,
      generated_at: new Date(options.generatedAt ?? Date.now()).toISOString(),
      hostname: options.host ?? hostname(),
      analysis_duration_seconds: Math.round((options.until - options.since) / 100) / 10,
      period: { from: new Date(options.since).toISOString(), to: new Date(options.until).toISOString() },
      ...(options.captures !== undefined ? { captures: options.captures } : {}),
      ...(options.captureFilter !== undefined ? { capture_filter: options.captureFilter } : {}),
    },
    executive_summary: {
      total_threats: total,
      by_severity: bySeverity,
      by_mitre_tactic: byTactic,
      by_category: byCategory,
      sensors_online: options.sensors.filter((s) => s.online).length,
      sensors_total: options.sensors.length,
      risk_level: riskLevel(bySeverity),
    },
    threat_events: events,
    threat_events_truncated: total > events.length,
    network_state: {
      sensors: options.sensors.map((s) => ({ sensor_id: s.sensorId, hostname: s.hostname, addresses: s.addresses, online: s.online, last_seen: new Date(s.lastSeen).toISOString(), alerts: s.alertCount, packets_seen: s.packetsSeen, packets_dropped: s.packetsDropped })),
    },
    system_metrics: { gateway_rss_bytes: memory.rss, gateway_uptime_seconds: Math.round(process.uptime()) },
    recommendations: recommendations.size ? [...recommendations].sort() : NOTHING_FOUND,
  };
}

export type Report = Awaited<ReturnType<typeof buildReport>>;

/** "90s", "15m", "1h", "7d" → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
