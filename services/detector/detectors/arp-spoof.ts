/**
 * ARP spoofing. Anchor: the SAS seed (an IP's MAC changes, CRITICAL) and Wireshark's
 * "duplicate use of IP" expert info, fixed where the seed was naive (SPEC D2.4): bindings are
 * learned from ARP sender fields and from reply target fields, expire after bindingTtlSeconds
 * (DHCP, failover), and two more signs count: one MAC claiming several IPs as ARP sender (the poisoner answering for the gateway and a victim), and a gratuitous-ARP
 * storm. The attacker named is the MAC that claims more addresses, not simply the newer one
 * (poisoning often starts before the real owner speaks). All ARP shares one state ('arp'), and
 * the sensor sends all ARP to one partition (packet-router.ts ARP_KEY), so the bindings of every
 * IP and the claims of every MAC meet in one place, in capture order.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { evidence, tsMs, type Detector, type DetectorContext, type Finding } from '../detector.ts';
import { unknownVerdict } from '../intel/tiers.ts';
import { BoundedMap, CountWindow, DistinctWindow, windowIdle } from '../windows.ts';

interface Binding {
  mac: string;
  at: number;
}

interface State {
  bindings: BoundedMap<Binding>;
  claims: BoundedMap<DistinctWindow<string>>;
  storms: BoundedMap<CountWindow>;
  latest: number;
}

/**
 * Addresses a MAC claims at event time t. A window idle by then counts none: idle() may or may not
 * have deleted it at a batch boundary, and a deleted one counts none.
 */
function claimedBy(s: State, mac: string, t: number): number {
  const w = s.claims.get(mac);
  return w === undefined || w.idle(t) ? 0 : w.size;
}

const NO_MAC = new Set(['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff']);

function finding(ctx: DetectorContext, mac: string, title: string, victim: string | null, count: number, threshold: number, windowSeconds: number, unit: string, details: Record<string, string>): Finding {
  const cfg = ctx.config.arp;
  return {
    category: 'arp_spoofing',
    family: 'arp_spoofing',
    key: mac,
    severity: cfg.severity,
    title,
    src: mac,
    dst: victim,
    srcPort: null,
    dstPort: null,
    protocol: null,
    flow: false,
    evidence: evidence(count, threshold, threshold, windowSeconds, unit, details),
    intel: unknownVerdict(''),
  };
}

export const arpSpoof: Detector<State> = {
  name: 'arp-spoof',
  enabled: (c) => c.arp.enabled,
  keyOf: (p) => (p.arp ? 'arp' : null),
  create: () => ({ bindings: new BoundedMap(4096), claims: new BoundedMap(1024), storms: new BoundedMap(1024), latest: 0 }),
  revive: (json) => {
    const j = json as { bindings: Array<[string, Binding]>; claims: Array<[string, never]>; storms: Array<[string, never]>; latest: number };
    return {
      bindings: new BoundedMap(4096, j.bindings),
      claims: new BoundedMap(1024, j.claims.map(([k, v]) => [k, DistinctWindow.from<string>(v)])),
      storms: new BoundedMap(1024, j.storms.map(([k, v]) => [k, CountWindow.from(v)])),
      latest: j.latest,
    };
  },
  idle: (s, now) => {
    s.claims.deleteIdle(windowIdle, now);
    s.storms.deleteIdle(windowIdle, now);
    return s.bindings.size === 0 && s.claims.size === 0 && s.storms.size === 0;
  },
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const arp = p.arp;
    if (!arp) return null;
    const cfg = ctx.config.arp;
    const t = tsMs(p);
    s.latest = Math.max(s.latest, t);
    const ttlMs = cfg.bindingTtlSeconds * 1000;
    const sender = arp.senderMac.toLowerCase();
    const reply = arp.op === 2;
    const gratuitous = arp.senderIp === arp.targetIp;
    let result: Finding | null = null;

    const claimsOf = (mac: string): DistinctWindow<string> => s.claims.touch(mac, () => DistinctWindow.of<string>(ttlMs, 64));
    // Requests assert the sender's binding as much as replies do (caches learn from both, and
    // request-based poisoning is common), so every sender IP counts as a claim.
    if (arp.senderIp !== '0.0.0.0' && !NO_MAC.has(sender)) {
      const claims = claimsOf(sender);
      claims.add(t, arp.senderIp);
      if (claims.size >= cfg.maxIpsPerMac) {
        const ips = claims.sample(8);
        result = finding(ctx, sender, `ARP spoofing: ${sender} claims ${claims.size} addresses (${ips.join(', ')})`, arp.senderIp, claims.size, cfg.maxIpsPerMac, cfg.bindingTtlSeconds, 'addresses', { ips: ips.join(',') });
      }
    }
    if ((reply || gratuitous) && arp.senderIp !== '0.0.0.0' && !NO_MAC.has(sender)) {
      const storm = s.storms.touch(sender, () => CountWindow.of(cfg.gratuitousWindowSeconds * 1000));
      storm.add(t);
      if (!result && storm.total >= cfg.gratuitousThreshold) {
        result = finding(ctx, sender, `ARP spoofing: ${sender} sent ${storm.total} unsolicited ARP replies in ${cfg.gratuitousWindowSeconds} s`, arp.senderIp, storm.total, cfg.gratuitousThreshold, cfg.gratuitousWindowSeconds, 'packets', {});
      }
    }

    const learn = (ip: string, mac: string): Finding | null => {
      if (ip === '0.0.0.0' || NO_MAC.has(mac)) return null;
      const known = s.bindings.get(ip);
      if (!known || known.mac === mac || t - known.at > ttlMs) {
        s.bindings.put(ip, { mac, at: t });
        return null;
      }
      // Two MACs for one IP: blame the one that claims more addresses (the poisoner).
      const a = claimedBy(s, known.mac, t);
      const b = claimedBy(s, mac, t);
      const attacker = a > b ? known.mac : mac;
      const owner = attacker === mac ? known.mac : mac;
      s.bindings.put(ip, { mac: owner, at: t });
      return finding(ctx, attacker, `ARP spoofing: ${ip} is claimed by ${attacker} (was ${owner})`, ip, 2, 2, cfg.bindingTtlSeconds, 'macs', { ip, previousMac: known.mac, newMac: mac });
    };
    const fromSender = learn(arp.senderIp, sender);
    const fromTarget = reply ? learn(arp.targetIp, arp.targetMac.toLowerCase()) : null;
    for (const [ip, b] of s.bindings) {
      if (t - b.at <= ttlMs) break;
      s.bindings.delete(ip);
    }
    return result ?? fromSender ?? fromTarget;
  },
};
