/**
 * Brute force: many connection attempts from one source to one authentication service port
 * (on one or many hosts). Anchor: the SAS seed (30 SYN-only / 30 s, HIGH; every SYN is an
 * attempt, as in the seed and the corpus labels) with its fix (SPEC D2.7): the incident is per
 * service, so an attack on SSH and one on RDP are two.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, ConfiguredPorts, directedPairs, evidence, fallsShort, judge, PortTable, srcKey, tsMs, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { BoundedMap, CountWindow, DistinctWindow } from '../windows.ts';
import { isSynOnly } from './probe.ts';

interface Service {
  attempts: CountWindow;
  hosts: DistinctWindow<string>;
}

type State = BoundedMap<Service>;

/** A service's state is idle when its attempts are (what idle() has always judged it by). */
const attemptsIdle = (service: Service, nowMs: number): boolean => service.attempts.idle(nowMs);

const SERVICE = PortTable.byPort<string>({ 21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 110: 'POP3', 143: 'IMAP', 389: 'LDAP', 445: 'SMB', 465: 'SMTPS', 587: 'SMTP', 993: 'IMAPS', 995: 'POP3S', 1433: 'MSSQL', 1521: 'Oracle', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5900: 'VNC', 5985: 'WinRM', 5986: 'WinRM' });

const authPorts = new ConfiguredPorts();
const authPort = (ctx: DetectorContext, port: number): boolean => authPorts.of(ctx.config.bruteForce.ports).has(port);

export const bruteForce: Detector<State> = {
  name: 'brute-force',
  enabled: (c) => c.bruteForce.enabled,
  keyOf: (p, ctx) => (isSynOnly(p) && authPort(ctx, p.dstPort) ? srcKey(p) : null),
  quietFirst: (_p, c) => belowEveryThreshold(c.bruteForce.threshold, 1),
  create: () => new BoundedMap<Service>(32),
  revive: (json) => new BoundedMap<Service>(32, (json as Array<[string, Record<keyof Service, never>]>).map(([k, v]) => [k, { attempts: CountWindow.from(v.attempts), hosts: DistinctWindow.from<string>(v.hosts) }])),
  idle: (s, now) => s.deleteIdle(attemptsIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.bruteForce;
    const windowMs = cfg.windowSeconds * 1000;
    const port = String(p.dstPort);
    const w = s.touch(port, newService, windowMs);
    w.attempts.add(tsMs(p));
    w.hosts.add(tsMs(p), p.dst);
    const n = w.attempts.total;
    if (belowEveryThreshold(cfg.threshold, n)) return null;
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, n);
    if (fallsShort(j, n)) return null;
    const key = directedPairs.of(p.src, port);
    if (j.shortfall === null && ctx.absorbed('brute_force', key, 'brute_force', j.severity)) return null;
    return finding(p, key, w.hosts, n, j, ctx);
  },
};

const newService = (windowMs: number): Service => ({ attempts: CountWindow.of(windowMs), hosts: DistinctWindow.of<string>(windowMs, 256) });

/** Built apart from step(), so the getters' closure context is allocated only for a finding. */
function finding(p: DetectorPacket, key: string, hosts: DistinctWindow<string>, n: number, j: Judgement, ctx: DetectorContext): Finding {
  const cfg = ctx.config.bruteForce;
  const service = SERVICE.get(p.dstPort) ?? `port ${p.dstPort}`;
  return {
    category: 'brute_force',
    family: 'brute_force',
    key,
    severity: j.severity,
    get title() {
      return `Brute force: ${p.src} made ${n} ${service} connection attempts to ${hosts.size === 1 ? p.dst : `${hosts.size} hosts`} in ${cfg.windowSeconds} s`;
    },
    src: p.src,
    dst: hosts.size === 1 ? p.dst : null,
    srcPort: null,
    dstPort: p.dstPort,
    protocol: p.protocol,
    flow: false,
    get evidence() {
      return evidence(n, j.threshold, cfg.threshold, cfg.windowSeconds, 'attempts', { service, hosts: String(hosts.size) });
    },
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
