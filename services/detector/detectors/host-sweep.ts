/**
 * Host sweep (horizontal scan, ping sweep): one source probing one service (a TCP port, a UDP
 * port, ICMP echo) on many hosts of one /24 (/64). Anchor: Zeek's scan.zeek address-scan
 * rule; the seeds had none (SAS counted a sweep as a SYN or ICMP flood).
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, evidence, fallsShort, judge, PairNames, PortNames, srcKey, TCP, tsMs, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { subnetOf } from '../net.ts';
import { BoundedMap, DistinctWindow, windowIdle } from '../windows.ts';
import { isEchoRequest, isSynOnly, isUdpProbe } from './probe.ts';

type State = BoundedMap<DistinctWindow<string>>;

/** 'tcp/<port>', 'udp/<port>': one string per service (asked for every probe). */
const tcpServices = new PortNames('tcp/');
const udpServices = new PortNames('udp/');
/** '<subnet>|<service>': the window's name in the source's state. */
const sweeps = new PairNames('|');
/** The subnet of each destination (subnetOf builds a new string). */
const subnets = new Map<string, string>();

function serviceOf(p: DetectorPacket): string | null {
  if (isSynOnly(p)) return tcpServices.of(p.dstPort);
  if (isEchoRequest(p)) return 'icmp-echo';
  if (isUdpProbe(p)) return udpServices.of(p.dstPort);
  return null;
}

function subnetOfDestination(dst: string): string {
  let subnet = subnets.get(dst);
  if (subnet === undefined) {
    if (subnets.size >= 200_000) subnets.clear();
    subnet = subnetOf(dst);
    subnets.set(dst, subnet);
  }
  return subnet;
}

function newHosts(ctx: DetectorContext): DistinctWindow<string> {
  return DistinctWindow.of<string>(ctx.config.hostSweep.windowSeconds * 1000, ctx.config.hostSweep.threshold * 4);
}

export const hostSweep: Detector<State> = {
  name: 'host-sweep',
  enabled: (c) => c.hostSweep.enabled,
  // A probe of any service (serviceOf's cases, without naming the service: step does).
  keyOf: (p) => (isSynOnly(p) || isEchoRequest(p) || isUdpProbe(p) ? srcKey(p) : null),
  quietFirst: (_p, c) => belowEveryThreshold(c.hostSweep.threshold, 1),
  create: () => new BoundedMap<DistinctWindow<string>>(64),
  revive: (json) => new BoundedMap<DistinctWindow<string>>(64, (json as Array<[string, never]>).map(([k, v]) => [k, DistinctWindow.from<string>(v)])),
  idle: (s, now) => s.deleteIdle(windowIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.hostSweep;
    const service = serviceOf(p);
    if (service === null) return null;
    const subnet = subnetOfDestination(p.dst);
    const w = s.touch(sweeps.of(subnet, service), newHosts, ctx);
    if (!w.add(tsMs(p), p.dst)) return null;
    const n = w.size;
    if (belowEveryThreshold(cfg.threshold, n)) return null;
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, n);
    if (fallsShort(j, n)) return null;
    return {
      category: 'host_sweep',
      family: 'host_sweep',
      key: p.src,
      severity: j.severity,
      title: `Host sweep: ${p.src} probed ${service} on ${n} hosts of ${subnet} in ${cfg.windowSeconds} s`,
      src: p.src,
      dst: p.dst.includes(':') ? `${subnet}::/64` : `${subnet}.0/24`,
      srcPort: null,
      dstPort: p.protocol === TCP || service.startsWith('udp') ? p.dstPort : null,
      protocol: p.protocol,
      flow: false,
      evidence: evidence(n, j.threshold, cfg.threshold, cfg.windowSeconds, 'hosts', { service, sampleHosts: w.sample(5).join(',') }),
      intel: j.intel,
      shortfall: j.shortfall,
    };
  },
};
