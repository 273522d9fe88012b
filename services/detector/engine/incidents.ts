/**
 * Findings become incidents: one incident is one alert group (stable id, count, first/last
 * seen, revision) that is updated as it grows, not one alert per packet. An update is emitted
 * when the cooldown (event time) has passed since the last one, or at once when the incident
 * gets worse (higher severity, or a category that names it better: a scan that turns out to be
 * a flood). An incident with no evidence for incidentIdleSeconds closes; the next finding opens
 * a new one with a new id.
 *
 * The id is a hash of the incident family, its entities and the event-time second it opened,
 * plus the partition for state that is per partition (victim-keyed floods, ARP): every input
 * to it comes from the partition's packet order, so the same input gives the same ids whatever
 * the replay speed or number of workers.
 */
import { createHash } from 'node:crypto';
import type { Alert, Category, IntelVerdict, DetectorPacket, Severity } from '../../common/model.ts';
import { PairNames, type Finding, type Shortfall } from '../detector.ts';
import { adjustSeverity, adjustThreshold, severityRank, verdictSuffix } from '../intel/tiers.ts';
import { MITRE } from '../mitre.ts';
import { communityIdOf } from '../../sensor/community-id.ts';

export interface Incident {
  id: string;
  rev: number;
  cat: Category;
  sev: Severity;
  first: number;
  last: number;
  n: number;
  emitted: number;
  /**
   * The last alert, kept while the verdict of its intel entity is unknown (UNKNOWN: not looked
   * up yet), so that the verdict can revise it when it arrives (reviseOnVerdict).
   */
  a?: Alert;
}

export interface IncidentPolicy {
  cooldownMs: number;
  idleMs: number;
}

/** Categories that can refine an open incident of the same family, weakest first. */
const REFINES: Category[] = ['host_sweep', 'port_scan', 'syn_flood'];
const rank = (c: Category): number => REFINES.indexOf(c);

const slots = new PairNames('|');

/** The name of an incident of a family about a key in its blob's incidents (interned). */
export const incidentSlot = (family: string, key: string): string => slots.of(family, key);

/**
 * ctx.absorbed() (detector.ts): counts a finding in its open incident when it would not make a
 * new revision, exactly as recordFinding would, and says so; false when a revision (or a new
 * incident) is due, so the detector builds the finding for recordFinding.
 */
export function absorbInCooldown(incidents: Record<string, Incident>, family: string, key: string, category: Category, severity: Severity, t: number, policy: IncidentPolicy): boolean {
  const inc = incidents[incidentSlot(family, key)];
  if (inc === undefined || t - inc.last > policy.idleMs || t - inc.emitted >= policy.cooldownMs) return false;
  if (rank(category) > rank(inc.cat) || severityRank(severity) > severityRank(inc.sev)) return false;
  inc.n += 1;
  if (t > inc.last) inc.last = t;
  return true;
}

export function incidentId(family: string, key: string, openedMs: number, partitionScope: string | null): string {
  const text = `${family}|${key}|${Math.floor(openedMs / 1000)}${partitionScope === null ? '' : `|${partitionScope}`}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * Records a finding in the incidents of its state blob; returns the alert revision to emit,
 * or null while the incident is cooling down.
 */
export function recordFinding(
  incidents: Record<string, Incident>,
  f: Finding,
  p: DetectorPacket,
  detector: string,
  partitionScope: string | null,
  policy: IncidentPolicy,
  sensor: { id: string; host: string },
): Alert | null {
  const t = Math.floor(p.ts / 1000);
  const slot = incidentSlot(f.family, f.key);
  let inc: Incident | undefined = incidents[slot];
  if (inc && t - inc.last > policy.idleMs) inc = undefined;
  let emit = false;
  if (!inc) {
    inc = { id: incidentId(f.family, f.key, t, partitionScope), rev: 0, cat: f.category, sev: f.severity, first: t, last: t, n: 1, emitted: t };
    incidents[slot] = inc;
    emit = true;
  } else {
    inc.n += 1;
    inc.last = Math.max(inc.last, t);
    const better = rank(f.category) > rank(inc.cat) || severityRank(f.severity) > severityRank(inc.sev);
    if (rank(f.category) > rank(inc.cat)) inc.cat = f.category;
    if (severityRank(f.severity) > severityRank(inc.sev)) inc.sev = f.severity;
    if (better || t - inc.emitted >= policy.cooldownMs) {
      inc.rev += 1;
      inc.emitted = t;
      emit = true;
    }
  }
  if (!emit) return null;
  // A finding of a weaker category (a port_scan finding inside an incident already refined to
  // syn_flood) is reported under the incident's category.
  const category = inc.cat;
  return {
    id: inc.id,
    revision: inc.rev,
    ts: t,
    firstSeen: inc.first,
    lastSeen: inc.last,
    count: inc.n,
    category,
    severity: inc.sev,
    // The seed's suffix names the verdict that changed the threshold or severity.
    title: `${category === f.category ? f.title : `${f.title} (part of a ${category} incident)`}${verdictSuffix(f.intel)}`,
    mitre: MITRE[category],
    src: f.src,
    dst: f.dst,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    protocol: f.protocol,
    communityId: f.flow ? (p.communityId ?? communityIdOf(p)) : null,
    evidence: f.evidence,
    intel: f.intel,
    sensorId: sensor.id,
    sensorHost: sensor.host,
    detector,
  };
}

/**
 * After recordFinding emitted `alert`: keeps it in its incident while its verdict is unknown and
 * `awaits` (the entity can be looked up), or forgets a kept one once a verdict was used.
 * Returns whether the incident now awaits a verdict.
 */
export function keepUntilVerdict(incidents: Record<string, Incident>, f: Finding, alert: Alert, awaits: boolean): boolean {
  const inc = incidents[incidentSlot(f.family, f.key)];
  if (awaits && alert.intel.verdict === 'UNKNOWN') {
    inc.a = alert;
    return true;
  }
  delete inc.a;
  return false;
}

/**
 * The revision a verdict that arrived after an incident's last alert makes of it: the alert
 * again with the verdict and the severity it raises (tiers.ts), at the incident's last event
 * time; null when the incident awaits no verdict of this entity or the verdict raises nothing.
 * Either way the incident stops awaiting it.
 */
export function reviseOnVerdict(inc: Incident, verdict: IntelVerdict): Alert | null {
  const last = inc.a;
  if (last === undefined || last.intel.entity !== verdict.entity) return null;
  delete inc.a;
  const severity = adjustSeverity(inc.sev, verdict.verdict);
  if (severityRank(severity) <= severityRank(inc.sev)) return null;
  inc.sev = severity;
  inc.rev += 1;
  inc.emitted = inc.last;
  // The kept alert's verdict was UNKNOWN: its title has no suffix yet.
  return { ...last, revision: inc.rev, ts: inc.last, lastSeen: inc.last, count: inc.n, severity, title: `${last.title}${verdictSuffix(verdict)}`, intel: verdict };
}

/**
 * A finding whose count fell short of its threshold while its entity's verdict was unknown
 * (Finding.shortfall), kept in its key's blob so that the verdict can still raise it when it
 * arrives after the activity stopped: the seed's lookup queue favours entities close to a
 * threshold, and without this their verdict would only matter if they went on.
 */
export interface Candidate {
  /** The alert recordFinding built then: revision 0 of an incident opened at its event time. */
  a: Alert;
  s: Shortfall;
}

/** Where a blob keeps its incidents and candidates (slot -> candidate, as for incidents). */
export interface IncidentRecord {
  i: Record<string, Incident>;
  c?: Record<string, Candidate>;
}

/**
 * Keeps a short finding as the candidate of its incident slot: the strongest one (the highest
 * share of its threshold) while it is not older than an incident can stay open, and none while
 * an incident of the slot is open (a verdict revises that one: reviseOnVerdict). Returns
 * whether it was kept.
 */
export function keepCandidate(record: IncidentRecord, f: Finding, shortfall: Shortfall, p: DetectorPacket, detector: string, partitionScope: string | null, policy: IncidentPolicy, sensor: { id: string; host: string }): boolean {
  const slot = incidentSlot(f.family, f.key);
  const t = Math.floor(p.ts / 1000);
  const inc = record.i[slot];
  if (inc !== undefined && t - inc.last <= policy.idleMs) return false;
  const kept = record.c?.[slot];
  // Closest to its threshold: a family's detectors count in different units (ports, SYNs).
  if (kept !== undefined && kept.s.count / kept.s.base >= shortfall.count / shortfall.base && t - kept.a.ts <= policy.idleMs) return false;
  const alert = recordFinding({}, f, p, detector, partitionScope, policy, sensor)!;
  (record.c ??= {})[slot] = { a: alert, s: shortfall };
  return true;
}

/**
 * The alert a verdict makes of a candidate when the threshold it gives is within the
 * candidate's count: its incident opens in `record` as it would have at the candidate's event
 * time, with the severity and verdict the tier gives. Null when the count stays short, or when
 * an incident of the slot is open (it was alerted by then). The candidate is dropped either way.
 */
export function raiseCandidate(record: IncidentRecord, slot: string, verdict: IntelVerdict, idleMs: number): Alert | null {
  const c = record.c?.[slot];
  if (c === undefined) return null;
  delete record.c![slot];
  const threshold = adjustThreshold(c.s.base, verdict.verdict);
  if (c.s.count < threshold) return null;
  const t = c.a.ts;
  const open = record.i[slot];
  if (open !== undefined && t - open.last <= idleMs) return null;
  const severity = adjustSeverity(c.s.severity, verdict.verdict);
  record.i[slot] = { id: c.a.id, rev: 0, cat: c.a.category, sev: severity, first: t, last: t, n: 1, emitted: t };
  return { ...c.a, severity, title: `${c.a.title}${verdictSuffix(verdict)}`, evidence: { ...c.a.evidence, threshold }, intel: verdict };
}

/** Drops candidates older than an incident can stay open at event time nowMs. */
export function pruneCandidates(record: IncidentRecord, nowMs: number, idleMs: number): void {
  const c = record.c;
  if (c === undefined) return;
  for (const [slot, candidate] of Object.entries(c)) if (nowMs - candidate.a.ts > idleMs) delete c[slot];
  for (const _ in c) return;
  delete record.c;
}

/** Drops incidents idle at event time nowMs. */
export function pruneIncidents(incidents: Record<string, Incident>, nowMs: number, idleMs: number): void {
  for (const [slot, inc] of Object.entries(incidents)) if (nowMs - inc.last > idleMs) delete incidents[slot];
}
