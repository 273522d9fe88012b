/**
 * Lateral movement: one internal host using admin protocols (SMB, RPC/DCOM, RDP, WinRM, SSH) on
 * other internal hosts. Anchor: the 0xNullVector seed's rule (3+ internal hosts on admin ports,
 * T1021), judged by what the sessions do, then by fan-out and novelty:
 *   - Remote execution is an incident at once: a tree connect to an admin share (ADMIN$, C$:
 *     where PsExec and its kin copy their service), or a DCE-RPC bind to the service control
 *     manager, the task scheduler, DCOM activation or WMI (the sensor's Packet.smbRpc).
 *   - Otherwise each new host in the window adds the weight of the heaviest admin service it was
 *     used for, and the incident opens when the sum reaches the threshold. With the defaults
 *     one RDP or WinRM session is enough; SMB and RPC, which every Windows client uses with its
 *     domain controllers and file servers, need three hosts (the seed's fan-out); SSH, an
 *     admin's daily tool, five. Novelty: a (host, service) pair the source used within
 *     knownPairSeconds (7 days) is routine and adds nothing, so the helpdesk's daily RDP to the
 *     same servers is an incident once, not every hour.
 * Only sessions count (client data on an established connection): scan probes and refused
 * connections do not.
 */
import type { DetectorPacket } from '../../common/model.ts';
import type { DetectorConfig } from '../../common/config/sections/detector.ts';
import { evidence, judge, PortTable, srcKey, tsMs, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { DistinctWindow } from '../windows.ts';
import { isClientData } from './probe.ts';

type Service = 'smb' | 'rpc' | 'rdp' | 'winrm' | 'ssh';
/** A window value's kind: the admin service a host was used for, or remote execution on it. */
type Kind = Service | 'execution';

const SERVICE = PortTable.byPort<Service>({ 22: 'ssh', 135: 'rpc', 139: 'smb', 445: 'smb', 3389: 'rdp', 5985: 'winrm', 5986: 'winrm' });

/** What a request that means remote execution is, and its ATT&CK technique. */
export interface ExecutionSignal {
  what: string;
  technique: string;
}

/** DCE-RPC interfaces whose bind from another host means remote execution. */
const EXECUTION_INTERFACES: Record<string, ExecutionSignal> = {
  '367abb81-9844-35f1-ad32-98f038001003': { what: 'the service control manager (svcctl)', technique: 'T1569.002' },
  '1ff70682-0a51-30e8-076d-740be8cee98b': { what: 'the task scheduler (atsvc)', technique: 'T1053.002' },
  '378e52b0-c0a9-11cf-822d-00aa0051e40f': { what: 'the task scheduler (sasec)', technique: 'T1053.005' },
  '86d35949-83c9-4044-b424-db363231fd0c': { what: 'the task scheduler (ITaskSchedulerService)', technique: 'T1053.005' },
  '000001a0-0000-0000-c000-000000000046': { what: 'DCOM activation (ISystemActivator)', technique: 'T1021.003' },
  '4d9f4ab8-7d1c-11cf-861e-0020af6e7c57': { what: 'DCOM activation (IActivation)', technique: 'T1021.003' },
  'f309ad18-d86a-11d0-a075-00c04fb68820': { what: 'WMI (IWbemLevel1Login)', technique: 'T1047' },
  '9556dc99-828c-11cf-a37e-00aa003240c7': { what: 'WMI (IWbemServices)', technique: 'T1047' },
};

/** What the packet's SMB/DCE-RPC request (Packet.smbRpc) says about remote execution, or null if nothing. */
export function executionSignal(smbRpc: string | null): ExecutionSignal | null {
  if (smbRpc === null) return null;
  if (smbRpc.startsWith('share:')) {
    const share = smbRpc.slice(6);
    return share === 'ADMIN$' || /^[A-Z]\$$/.test(share) ? { what: `the ${share} admin share`, technique: 'T1021.002' } : null;
  }
  if (smbRpc.startsWith('bind:')) return EXECUTION_INTERFACES[smbRpc.slice(5)] ?? null;
  return null;
}

interface State {
  /** '<host>|<kind>' values of the fan-out window (windowSeconds). */
  recent: DistinctWindow<string>;
  /** '<host>|<service>' pairs the source used within knownPairSeconds; null when that is 0. */
  known: DistinctWindow<string> | null;
}

const knownOf = (knownPairSeconds: number): DistinctWindow<string> | null => (knownPairSeconds > 0 ? DistinctWindow.of<string>(knownPairSeconds * 1000, 1024) : null);

function internalPair(p: DetectorPacket, ctx: DetectorContext): boolean {
  return p.src !== p.dst && ctx.internal.has(p.src) && ctx.internal.has(p.dst) && !p.src.startsWith('127.') && p.src !== '::1';
}

/** A client's session packet to an admin service, or any client request that signals remote execution (RPC also runs on dynamic ports). */
function candidate(p: DetectorPacket, ctx: DetectorContext): boolean {
  if (SERVICE.has(p.srcPort) || !isClientData(p)) return false;
  return (SERVICE.has(p.dstPort) || executionSignal(p.smbRpc) !== null) && internalPair(p, ctx);
}

/** Sum over the window's hosts of the heaviest weight each was used for. */
function scoreOf(recent: DistinctWindow<string>, weights: DetectorConfig['lateral']['weights']): { score: number; hosts: string[] } {
  const heaviest = new Map<string, number>();
  for (const value of recent.values()) {
    const bar = value.lastIndexOf('|');
    const host = value.slice(0, bar);
    const weight = weights[value.slice(bar + 1) as Kind] ?? 0;
    heaviest.set(host, Math.max(heaviest.get(host) ?? 0, weight));
  }
  let score = 0;
  for (const weight of heaviest.values()) score += weight;
  return { score, hosts: [...heaviest.keys()] };
}

export const lateralMovement: Detector<State> = {
  name: 'lateral-movement',
  enabled: (c) => c.lateral.enabled,
  keyOf: (p, ctx) => (candidate(p, ctx) ? srcKey(p) : null),
  create: (ctx) => ({ recent: DistinctWindow.of<string>(ctx.config.lateral.windowSeconds * 1000, 1024), known: knownOf(ctx.config.lateral.knownPairSeconds) }),
  revive: (json, ctx) => {
    const j = json as { recent: never; known: never | null };
    // State from before known pairs was the fan-out window alone: its pairs are learnt anew.
    if (Array.isArray(json) || !('recent' in (json as object))) return { recent: DistinctWindow.from<string>(json as never), known: knownOf(ctx.config.lateral.knownPairSeconds) };
    return { recent: DistinctWindow.from<string>(j.recent), known: j.known === null ? null : DistinctWindow.from<string>(j.known) };
  },
  idle: (s, now) => s.recent.idle(now) && (s.known === null || s.known.idle(now)),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.lateral;
    const t = tsMs(p);
    const signal = executionSignal(p.smbRpc);
    const service = SERVICE.get(p.dstPort);
    const pair = `${p.dst}|${service ?? 'rpc'}`;
    // Known before this packet: present in the window after add() refreshed it (add() is false
    // for a value already there, and also when the window is full, when it is not there).
    const known = s.known !== null && !s.known.add(t, pair) && s.known.has(pair);
    if (signal === null && known) return null;
    if (!s.recent.add(t, signal !== null ? `${p.dst}|execution` : pair)) return null;
    const { score, hosts } = scoreOf(s.recent, cfg.weights);
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, score);
    if (score < cfg.threshold) return null;
    const title =
      signal !== null
        ? `Lateral movement: remote execution from ${p.src} on ${p.dst} through ${signal.what}`
        : `Lateral movement: ${p.src} opened admin sessions (${(service ?? 'rpc').toUpperCase()} and others) to ${hosts.length} internal host${hosts.length === 1 ? '' : 's'}`;
    const details: Record<string, string> = { hosts: hosts.slice(0, 8).join(','), lastService: service ?? 'rpc' };
    if (signal !== null) {
      details.execution = signal.what;
      details.technique = signal.technique;
    }
    return {
      category: 'lateral_movement',
      family: 'lateral_movement',
      key: p.src,
      severity: j.severity,
      title,
      src: p.src,
      dst: p.dst,
      srcPort: null,
      dstPort: p.dstPort,
      protocol: p.protocol,
      flow: false,
      evidence: evidence(Number(score.toFixed(2)), cfg.threshold, cfg.threshold, cfg.windowSeconds, 'score', details),
      intel: j.intel,
    };
  },
};
