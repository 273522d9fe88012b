/**
 * Data exfiltration: bytes one internal host sends to one external host. Anchor: the SAS seed
 * (5 MB / 60 s, HIGH), fixed where it was naive (SPEC D2.6): the destination must be external
 * (LAN copies, multicast and broadcast do not count), bytes are IP bytes per destination, and
 * the verdict used is that destination's. Internal networks are configurable (RFC 1918,
 * link-local, loopback and ULA by default).
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, directedPairs, evidence, fallsShort, judge, srcKey, tsMs, type Detector, type DetectorContext, type Finding, type Judgement } from '../detector.ts';
import { isMulticastOrBroadcast } from '../net.ts';
import { BoundedMap, CountWindow, windowIdle } from '../windows.ts';

type State = BoundedMap<CountWindow>;

function outbound(p: DetectorPacket, ctx: DetectorContext): boolean {
  return p.src !== '' && p.dst !== '' && ctx.internal.has(p.src) && !ctx.internal.has(p.dst) && !isMulticastOrBroadcast(p.dst);
}

const newWindow = (ctx: DetectorContext): CountWindow => CountWindow.of(ctx.config.exfiltration.windowSeconds * 1000);

export const exfiltration: Detector<State> = {
  name: 'exfiltration',
  enabled: (c) => c.exfiltration.enabled,
  keyOf: (p, ctx) => (p.ipVersion !== 0 && outbound(p, ctx) ? srcKey(p) : null),
  quietFirst: (p, c) => belowEveryThreshold(c.exfiltration.thresholdBytes, p.ipLength > 0 ? p.ipLength : p.length),
  create: () => new BoundedMap<CountWindow>(256),
  revive: (json) => new BoundedMap<CountWindow>(256, (json as Array<[string, never]>).map(([k, v]) => [k, CountWindow.from(v)])),
  idle: (s, now) => s.deleteIdle(windowIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.exfiltration;
    const w = s.touch(p.dst, newWindow, ctx);
    w.add(tsMs(p), p.ipLength > 0 ? p.ipLength : p.length);
    const bytes = w.total;
    if (belowEveryThreshold(cfg.thresholdBytes, bytes)) return null;
    const j = judge(ctx, p.dst, cfg.thresholdBytes, cfg.severity, bytes);
    if (fallsShort(j, bytes)) return null;
    const key = directedPairs.of(p.src, p.dst);
    if (j.shortfall === null && ctx.absorbed('data_exfiltration', key, 'data_exfiltration', j.severity)) return null;
    return finding(p, key, bytes, j, ctx);
  },
};

/**
 * Built apart from step(), title and evidence only if the incident emits: past the threshold
 * every packet of the transfer is a finding, and nearly all fall in the incident's cooldown.
 */
function finding(p: DetectorPacket, key: string, bytes: number, j: Judgement, ctx: DetectorContext): Finding {
  const cfg = ctx.config.exfiltration;
  return {
    category: 'data_exfiltration',
    family: 'data_exfiltration',
    key,
    severity: j.severity,
    get title() {
      return `Data exfiltration: ${p.src} sent ${(bytes / 1e6).toFixed(1)} MB to ${p.dst} in ${cfg.windowSeconds} s`;
    },
    src: p.src,
    dst: p.dst,
    srcPort: p.srcPort || null,
    dstPort: p.dstPort || null,
    protocol: p.protocol,
    flow: true,
    get evidence() {
      return evidence(bytes, j.threshold, cfg.thresholdBytes, cfg.windowSeconds, 'bytes');
    },
    intel: j.intel,
    shortfall: j.shortfall,
  };
}
