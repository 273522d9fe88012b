/**
 * Traffic to a C2/backdoor/mining port. Anchor: the SAS seed's port list (MEDIUM) and the
 * 0xNullVector list, fixed where the seed was naive (SPEC D2.3): only the destination port of
 * what a client sends counts (ephemeral source ports that collide with the list do not), a
 * TCP session must carry client data (single scan probes are the port scan's), UDP needs a few
 * datagrams, web ports (8080/8443/8888) are out of the default list, and Tor ports belong to
 * tor.ts (one category per incident).
 */
import type { DetectorPacket } from '../../common/model.ts';
import { belowEveryThreshold, ConfiguredPorts, evidence, fallsShort, judge, srcKey, tsMs, UDP, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { BoundedMap, CountWindow, windowIdle } from '../windows.ts';
import { isClientData } from './probe.ts';

type State = BoundedMap<CountWindow>;

const listedPorts = new ConfiguredPorts();
const listed = (ctx: DetectorContext, port: number): boolean => listedPorts.of(ctx.config.suspiciousPort.ports).has(port);

export const suspiciousPort: Detector<State> = {
  name: 'suspicious-port',
  enabled: (c) => c.suspiciousPort.enabled,
  keyOf: (p, ctx) => (p.srcPort >= 1024 && listed(ctx, p.dstPort) && (p.protocol === UDP || isClientData(p)) ? srcKey(p) : null),
  create: () => new BoundedMap<CountWindow>(32),
  revive: (json) => new BoundedMap<CountWindow>(32, (json as Array<[string, never]>).map(([k, v]) => [k, CountWindow.from(v)])),
  idle: (s, now) => s.deleteIdle(windowIdle, now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.suspiciousPort;
    const w = s.touch(`${p.dst}:${p.dstPort}/${p.protocol}`, () => CountWindow.of(60_000));
    w.add(tsMs(p));
    const n = w.total;
    const base = p.protocol === UDP ? cfg.udpMinPackets : 1;
    const entity = ctx.internal.has(p.dst) && !ctx.internal.has(p.src) ? p.src : p.dst;
    if (belowEveryThreshold(base, n)) return null;
    const j = judge(ctx, entity, base, cfg.severity, n);
    if (fallsShort(j, n)) return null;
    return {
      category: 'suspicious_port',
      family: 'suspicious_port',
      key: `${p.src}>${p.dst}:${p.dstPort}/${p.protocol}`,
      severity: j.severity,
      title: `Suspicious port: ${p.src} talks to ${p.dst}:${p.dstPort} (C2/backdoor port)`,
      src: p.src,
      dst: p.dst,
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      protocol: p.protocol,
      flow: true,
      evidence: evidence(n, j.threshold, base, 60, 'packets', { port: String(p.dstPort) }),
      intel: j.intel,
      shortfall: j.shortfall,
    };
  },
};
