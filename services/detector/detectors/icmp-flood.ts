/**
 * ICMP echo flood from one source at one victim. Anchor: the SAS seed (100 echo requests /
 * 5 s, HIGH), counted per victim (a ping sweep over many hosts is host-sweep.ts) and for
 * ICMPv6 echo requests (type 128) too. Replies never count.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, directedPairs, evidence, fallsShort, judge, srcKey, tsMs, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { BoundedMap, CountWindow, windowIdle } from '../windows.ts';
import { isEchoRequest } from './probe.ts';

type State = BoundedMap<CountWindow>;

export const icmpFlood: Detector<State> = {
  name: 'icmp-flood',
  enabled: (c) => c.icmpFlood.enabled,
  keyOf: (p) => (isEchoRequest(p) ? srcKey(p) : null),
  quietFirst: (_p, c) => belowEveryThreshold(c.icmpFlood.threshold, 1),
  create: () => new BoundedMap<CountWindow>(64),
  revive: (json) => new BoundedMap<CountWindow>(64, (json as Array<[string, never]>).map(([k, v]) => [k, CountWindow.from(v)])),
  idle: (s, now) => s.deleteIdle(windowIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.icmpFlood;
    const w = s.touch(p.dst, newWindow, ctx);
    w.add(tsMs(p));
    const n = w.total;
    if (belowEveryThreshold(cfg.threshold, n)) return null;
    const j = judge(ctx, p.src, cfg.threshold, cfg.severity, n);
    if (fallsShort(j, n)) return null;
    const key = directedPairs.of(p.src, p.dst);
    if (j.shortfall === null && ctx.absorbed('icmp_flood', key, 'icmp_flood', j.severity)) return null;
    return finding(p, key, n, j, ctx);
  },
};

const newWindow = (ctx: DetectorContext): CountWindow => CountWindow.of(ctx.config.icmpFlood.windowSeconds * 1000);

/** Built apart from step(), so the getter's closure context is allocated only for a finding. */
function finding(p: DetectorPacket, key: string, n: number, j: Judgement, ctx: DetectorContext): Finding {
  const cfg = ctx.config.icmpFlood;
  return {
    category: 'icmp_flood',
    family: 'icmp_flood',
    key,
    severity: j.severity,
    get title() {
      return `ICMP flood: ${p.src} sent ${n} echo requests to ${p.dst} in ${cfg.windowSeconds} s`;
    },
    src: p.src,
    dst: p.dst,
    srcPort: null,
    dstPort: null,
    protocol: p.protocol,
    flow: false,
    evidence: evidence(n, j.threshold, cfg.threshold, cfg.windowSeconds, 'packets'),
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
