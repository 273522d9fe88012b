/**
 * Tor usage: a client talking to a known Tor relay (feed file, detector.tor.feedFile) or on
 * Tor's own ports. Anchor: the 0xNullVector seed's Tor ports, fixed where it was naive
 * (SPEC D2.12): the relay list makes Tor on 443 visible, and only sessions count (client
 * data on an established connection), so a port scan touching 9001 is not Tor usage.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { evidence, judge, srcKey, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { isClientData } from './probe.ts';

let portSet: { list: readonly number[]; set: Set<number> } | null = null;
function torPort(ctx: DetectorContext, port: number): boolean {
  const list = ctx.config.tor.ports;
  if (portSet?.list !== list) portSet = { list, set: new Set(list) };
  return portSet.set.has(port);
}

function viaRelay(p: DetectorPacket, ctx: DetectorContext): boolean {
  return !ctx.torRelays.empty && ctx.torRelays.has(p.dst);
}

export const tor: Detector<Record<string, never>> = {
  name: 'tor',
  enabled: (c) => c.tor.enabled,
  keyOf: (p, ctx) => (isClientData(p) && p.srcPort >= 1024 && (torPort(ctx, p.dstPort) || viaRelay(p, ctx)) ? srcKey(p) : null),
  create: () => ({}),
  revive: () => ({}),
  idle: () => true,
  step(_s, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.tor;
    const relay = viaRelay(p, ctx);
    const j = judge(ctx, p.dst, 1, cfg.severity, 1);
    return {
      category: 'tor_usage',
      family: 'tor_usage',
      key: p.src,
      severity: j.severity,
      title: `Tor usage: ${p.src} talks to ${relay ? 'Tor relay ' : ''}${p.dst}:${p.dstPort}${relay ? '' : ' (Tor port)'}`,
      src: p.src,
      dst: p.dst,
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      protocol: p.protocol,
      flow: true,
      evidence: evidence(1, 1, 1, 0, 'sessions', { evidence: relay ? 'relay list' : 'Tor port' }),
      intel: j.intel,
    };
  },
};
