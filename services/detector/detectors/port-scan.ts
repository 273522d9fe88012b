/**
 * Port scan (vertical): one source probing many destination ports. Anchor: the SAS seed
 * (15 distinct ports / 10 s, HIGH), fixed as Zeek's scan.zeek does: only probes count (TCP
 * without ACK, UDP that is not a reply), so servers answering clients, resolvers answering
 * queries and browsers opening many connections to 443 are not scanners. TCP and UDP ports
 * count apart (a UDP scan is a scan). Ports are counted per victim (vertical): a bot
 * spraying random ports over random Internet hosts is not scanning one of them. A probe that
 * the source then completes (an ACK-bearing packet to that port: a connection that worked) is
 * marked; when more than portScan.maxCompletedShare of the ports are marked, the source is a
 * client of many services (FTP passive data connections, a monitor checking a host), not a
 * scanner, whose probes mostly meet closed ports (Zeek counts failed attempts only). The
 * completions arrive through presentKeyOf: only a source with probes in a window has this
 * state. Shares the 'probe' incident with syn-flood.ts.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, evidence, fallsShort, judge, srcKey, tsMs, UDP, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { BoundedMap, DistinctWindow, windowIdle } from '../windows.ts';
import { completesHandshake, isTcpProbe, isUdpProbe } from './probe.ts';

type State = BoundedMap<DistinctWindow<number>>;

export const portScan: Detector<State> = {
  name: 'port-scan',
  enabled: (c) => c.portScan.enabled,
  keyOf: (p) => (isTcpProbe(p) || isUdpProbe(p) ? srcKey(p) : null),
  presentKeyOf: (p) => (completesHandshake(p) ? srcKey(p) : null),
  // One port on one victim: below every threshold unless intel could bring it to 1.
  quietFirst: (_p, c) => belowEveryThreshold(c.portScan.threshold, 1),
  create: () => new BoundedMap<DistinctWindow<number>>(64),
  revive: (json) => new BoundedMap<DistinctWindow<number>>(64, (json as Array<[string, never]>).map(([k, v]) => [k, DistinctWindow.from<number>(v)])),
  idle: (s, now) => s.deleteIdle(windowIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.portScan;
    if (completesHandshake(p)) {
      // A completion marks its port on that victim, if it is in the window (no entry is made).
      s.get(p.dst)?.mark(tsMs(p), p.dstPort);
      return null;
    }
    const ports = s.touch(p.dst, newPorts, ctx);
    if (!ports.add(tsMs(p), p.protocol === UDP ? 65536 + p.dstPort : p.dstPort)) return null;
    const n = ports.size;
    if (belowEveryThreshold(cfg.threshold, n)) return null;
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, n);
    if (fallsShort(j, n)) return null;
    if (ports.marked > n * cfg.maxCompletedShare) return null;
    if (j.shortfall === null && ctx.absorbed('probe', p.src, 'port_scan', j.severity)) return null;
    return finding(p, ports, n, j, ctx);
  },
};

function newPorts(ctx: DetectorContext): DistinctWindow<number> {
  return DistinctWindow.of<number>(ctx.config.portScan.windowSeconds * 1000, ctx.config.maxDistinctPerWindow);
}

/** Built apart from step(), so the getters' closure context is allocated only for a finding. */
function finding(p: DetectorPacket, ports: DistinctWindow<number>, n: number, j: Judgement, ctx: DetectorContext): Finding {
  const cfg = ctx.config.portScan;
  return {
    category: 'port_scan',
    family: 'probe',
    key: p.src,
    severity: j.severity,
    // Title and evidence are built only if the incident emits (most findings fall in its cooldown).
    get title() {
      return `Port scan: ${p.src} probed ${n} ports on ${p.dst} in ${cfg.windowSeconds} s`;
    },
    src: p.src,
    dst: p.dst,
    srcPort: null,
    dstPort: null,
    protocol: p.protocol,
    flow: false,
    get evidence() {
      const sample = ports.sample(8).map((v) => (v >= 65536 ? `${v - 65536}/udp` : String(v)));
      return evidence(n, j.threshold, cfg.threshold, cfg.windowSeconds, 'ports', { samplePorts: sample.join(',') });
    },
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
