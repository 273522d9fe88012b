/**
 * DNS tunnelling, per client and registrable domain. Anchor: the SAS seed's name length (50,
 * MEDIUM) as one signal among those the literature uses (Farnham/SANS, iodine/dnscat2
 * fingerprints), fixed where the seed was naive (SPEC D2.5): only queries count (a resolver's
 * answers are not its own tunnelling), reverse-DNS names are exempt, and one long name is not
 * a tunnel. Within windowSeconds, a (client, domain) is a tunnel when it has many unique names
 * with mostly TXT/NULL/CNAME/MX/ANY types, or many long / high-entropy names; a client whose
 * long / high-entropy names spread over many "domains" (no stable parent, as dnscat's direct
 * mode) is one too. The verdict is looked up for the registrable domain, not the full name.
 */
import type { DetectorPacket } from '../../common/model.ts';
import { counted, evidence, judge, srcKey, tsMs, type Detector, type DetectorContext, type Finding, type Shortfall } from '../detector.ts';
import { entropy, registrableDomain } from '../net.ts';
import { BoundedMap, CountWindow, DistinctWindow } from '../windows.ts';

interface Domain {
  names: DistinctWindow<string>;
  total: CountWindow;
  tunnelTypes: CountWindow;
  suspicious: CountWindow;
}

/** A domain's state is idle when its query count is (what idle() has always judged it by). */
const domainIdle = (d: Domain, nowMs: number): boolean => d.total.idle(nowMs);

interface State {
  domains: BoundedMap<Domain>;
  suspicious: CountWindow;
}

/** TXT 16, NULL 10, CNAME 5, MX 15, ANY 255, PRIVATE 65399 (dnscat), KEY/DNSKEY. */
const TUNNEL_TYPES = new Set([16, 10, 5, 15, 255, 65399, 25, 48]);

function isQuery(p: DetectorPacket): boolean {
  if (!p.dns || p.dns.response || !p.dns.qname) return false;
  const name = p.dns.qname.toLowerCase();
  return !name.endsWith('.arpa') && !name.endsWith('.arpa.') && !name.endsWith('.local') && !name.endsWith('.local.');
}

export function isSuspiciousName(name: string, ctx: DetectorContext): boolean {
  const cfg = ctx.config.dnsTunnel;
  if (name.length >= cfg.nameLength) return true;
  let longest = '';
  for (const label of name.split('.')) if (label.length > longest.length) longest = label;
  return longest.length >= 16 && entropy(longest) >= cfg.labelEntropy;
}

export const dnsTunnel: Detector<State> = {
  name: 'dns-tunnel',
  enabled: (c) => c.dnsTunnel.enabled,
  keyOf: (p) => (isQuery(p) ? srcKey(p) : null),
  create: (ctx) => ({ domains: new BoundedMap(256), suspicious: CountWindow.of(ctx.config.dnsTunnel.windowSeconds * 1000) }),
  revive: (json) => {
    const j = json as { domains: Array<[string, Record<keyof Domain, never>]>; suspicious: never };
    return {
      domains: new BoundedMap(
        256,
        j.domains.map(([k, v]) => [k, { names: DistinctWindow.from<string>(v.names), total: CountWindow.from(v.total), tunnelTypes: CountWindow.from(v.tunnelTypes), suspicious: CountWindow.from(v.suspicious) }]),
      ),
      suspicious: CountWindow.from(j.suspicious),
    };
  },
  idle: (s, now) => s.domains.deleteIdle(domainIdle, now) && s.suspicious.idle(now),
  step(s: State, p: DetectorPacket, ctx: DetectorContext): Finding | null {
    const cfg = ctx.config.dnsTunnel;
    const dns = p.dns!;
    const name = dns.qname.toLowerCase().replace(/\.$/, '');
    const domain = registrableDomain(name);
    const t = tsMs(p);
    const windowMs = cfg.windowSeconds * 1000;
    const d = s.domains.touch(domain, () => ({
      names: DistinctWindow.of<string>(windowMs, Math.max(cfg.uniqueSubdomains * 4, 64)),
      total: CountWindow.of(windowMs),
      tunnelTypes: CountWindow.of(windowMs),
      suspicious: CountWindow.of(windowMs),
    }));
    d.names.add(t, name);
    d.total.add(t);
    if (TUNNEL_TYPES.has(dns.qtype)) d.tunnelTypes.add(t);
    const suspicious = isSuspiciousName(name, ctx);
    if (suspicious) {
      d.suspicious.add(t);
      s.suspicious.add(t);
    }
    const unique = d.names.size;
    const typeShare = d.tunnelTypes.total / d.total.total;
    const j = judge(ctx, domain, cfg.uniqueSubdomains, cfg.severity, unique);
    const sq = judge(ctx, domain, cfg.suspiciousQueries, cfg.severity, d.suspicious.total);
    let count = 0;
    let threshold = 0;
    let base = 0;
    let unit = '';
    let shortfall: Shortfall | null = null;
    if (unique >= j.threshold && typeShare >= cfg.tunnelTypeRatio) [count, threshold, base, unit] = [unique, j.threshold, cfg.uniqueSubdomains, 'names'];
    else if (d.suspicious.total >= sq.threshold) [count, threshold, base, unit] = [d.suspicious.total, sq.threshold, cfg.suspiciousQueries, 'queries'];
    else if (suspicious && s.suspicious.total >= cfg.suspiciousQueries * 2) [count, threshold, base, unit] = [s.suspicious.total, cfg.suspiciousQueries * 2, cfg.suspiciousQueries * 2, 'queries'];
    // Short of both thresholds while the domain's verdict is unknown: what it may yet raise.
    else if (sq.shortfall !== null) [count, threshold, base, unit, shortfall] = [d.suspicious.total, sq.threshold, cfg.suspiciousQueries, 'queries', sq.shortfall];
    else if (j.shortfall !== null && typeShare >= cfg.tunnelTypeRatio) [count, threshold, base, unit, shortfall] = [unique, j.threshold, cfg.uniqueSubdomains, 'names', j.shortfall];
    else return null;
    return {
      category: 'dns_tunnelling',
      family: 'dns_tunnelling',
      key: p.src,
      severity: j.severity,
      title: `DNS tunnelling: ${p.src} sent ${counted(d.total.total, 'query', 'queries')} under ${domain} (${counted(unique, 'unique name', 'unique names')}) in ${cfg.windowSeconds} s`,
      src: p.src,
      dst: domain,
      srcPort: null,
      dstPort: null,
      protocol: p.protocol,
      flow: false,
      evidence: evidence(count, threshold, base, cfg.windowSeconds, unit, {
        domain,
        uniqueNames: String(unique),
        tunnelTypeShare: typeShare.toFixed(2),
        suspiciousNames: String(d.suspicious.total),
        sampleName: name.slice(0, 120),
        resolver: p.dst,
      }),
      intel: j.intel,
      shortfall,
    };
  },
};
