/**
 * Lateral movement: one internal host opening admin-protocol sessions (SMB, RPC/DCOM, RDP,
 * WinRM, SSH) to other internal hosts. Anchor: the 0xNullVector seed's rule (3+ internal hosts
 * on admin ports, T1021), judged by fan-out and novelty instead of a bare count: each new
 * (destination, service) pair in the window adds its protocol's weight, and the incident opens
 * when the sum reaches the threshold. With the defaults one new SMB/RPC/RDP/WinRM session is
 * enough, while SSH, an admin's daily tool, needs five new hosts within the hour. Only sessions
 * count (client data on an established connection): scan probes and refused connections do not.
 */
import type { Packet } from '../../common/model.ts';
import { evidence, judge, srcKey, tsMs, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { DistinctWindow } from '../windows.ts';
import { isClientData } from './probe.ts';

const SERVICE: Record<number, 'smb' | 'rpc' | 'rdp' | 'winrm' | 'ssh'> = { 22: 'ssh', 135: 'rpc', 139: 'smb', 445: 'smb', 3389: 'rdp', 5985: 'winrm', 5986: 'winrm' };

type State = DistinctWindow<string>;

function candidate(p: Packet, ctx: DetectorContext): boolean {
  return SERVICE[p.dstPort] !== undefined && SERVICE[p.srcPort] === undefined && p.src !== p.dst && isClientData(p) && ctx.internal.has(p.src) && ctx.internal.has(p.dst) && !p.src.startsWith('127.') && p.src !== '::1';
}

export const lateralMovement: Detector<State> = {
  name: 'lateral-movement',
  enabled: (c) => c.lateral.enabled,
  keyOf: (p, ctx) => (candidate(p, ctx) ? srcKey(p) : null),
  create: (ctx) => DistinctWindow.of<string>(ctx.config.lateral.windowSeconds * 1000, 1024),
  revive: (json) => DistinctWindow.from<string>(json as never),
  idle: (s, now) => s.idle(now),
  step(s: State, p: Packet, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.lateral;
    const service = SERVICE[p.dstPort];
    if (!s.add(tsMs(p), `${p.dst}|${service}`)) return null;
    let score = 0;
    const hosts = new Set<string>();
    for (const pair of s.values()) {
      const [host, svc] = pair.split('|') as [string, keyof typeof cfg.weights];
      score += cfg.weights[svc] ?? 0;
      hosts.add(host);
    }
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, score);
    if (score < cfg.threshold) return null;
    return {
      category: 'lateral_movement',
      family: 'lateral_movement',
      key: p.src,
      severity: j.severity,
      title: `Lateral movement: ${p.src} opened admin sessions (${service.toUpperCase()} and others) to ${hosts.size} internal host${hosts.size === 1 ? '' : 's'}`,
      src: p.src,
      dst: p.dst,
      srcPort: null,
      dstPort: p.dstPort,
      protocol: p.protocol,
      flow: false,
      evidence: evidence(Number(score.toFixed(2)), cfg.threshold, cfg.threshold, cfg.windowSeconds, 'score', { hosts: [...hosts].slice(0, 8).join(','), lastService: service }),
      intel: j.intel,
    };
  },
};
