/**
 * Suppression rules from configuration (detector.suppressions): silence a category for a
 * source and/or destination until an expiry, with a reason. Expiry is compared with event
 * time, so replaying last week's capture applies last week's rules.
 */
import type { SuppressionRule } from '../../common/config/sections/detector.ts';
import type { Finding } from '../detector.ts';
import { CidrSet, domainMatches } from '../net.ts';
import { isIP } from 'node:net';

interface Compiled {
  category: string;
  src: CidrSet | null;
  dst: { cidrs: CidrSet; domain: string } | null;
  expiresMs: number;
}

export class Suppressions {
  private readonly rules: Compiled[];

  constructor(rules: readonly SuppressionRule[]) {
    this.rules = rules.map((r) => ({
      category: r.category,
      src: r.src === '*' ? null : new CidrSet([r.src]),
      dst: r.dst === '*' ? null : { cidrs: new CidrSet([r.dst]), domain: isIP(r.dst.split('/')[0]) ? '' : r.dst },
      expiresMs: Date.parse(r.expires),
    }));
  }

  matches(f: Finding, tsMs: number): boolean {
    for (const r of this.rules) {
      if (tsMs > r.expiresMs) continue;
      if (r.category !== '*' && r.category !== f.category) continue;
      if (r.src && !r.src.has(f.src)) continue;
      if (r.dst) {
        if (f.dst === null) continue;
        if (!(r.dst.cidrs.has(f.dst) || (r.dst.domain !== '' && domainMatches(f.dst, r.dst.domain)))) continue;
      }
      return true;
    }
    return false;
  }
}
