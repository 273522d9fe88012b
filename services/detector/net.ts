/** Address and name helpers the detectors share: CIDR sets, /24 grouping, domains, entropy. */
import { isIP } from 'node:net';
import { RecentTwo } from '../common/recent-two.ts';

interface Cidr {
  v: 4 | 6;
  base: bigint;
  mask: bigint;
}

function toBig(address: string): { v: 4 | 6; n: bigint } | null {
  const kind = isIP(address);
  if (kind === 4) {
    const p = address.split('.');
    return { v: 4, n: BigInt(((+p[0] << 24) >>> 0) + (+p[1] << 16) + (+p[2] << 8) + +p[3]) };
  }
  if (kind === 6) {
    let text = address.toLowerCase();
    const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
    if (v4) {
      const n = toBig(v4[1])!.n;
      text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    let n = 0n;
    for (const g of groups) n = (n << 16n) + BigInt(parseInt(g || '0', 16));
    return { v: 6, n };
  }
  return null;
}

/**
 * The 32-bit value of a dotted quad in canonical form (what isIP accepts: no leading zeros),
 * read in place; -1 if it is not one. Called for most packets: no substring, no BigInt.
 */
export function ipv4Value(address: string): number {
  const len = address.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || (digits === 1 && octet === 0)) return -1;
      octet = octet * 10 + d;
      if (octet > 255) return -1;
      digits++;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** A set of networks (and single addresses) matched by prefix. Unparseable entries are ignored. */
export class CidrSet {
  private readonly cidrs: Cidr[] = [];
  /** The IPv4 networks again as 32-bit base and mask, matched without parsing to BigInt. */
  private readonly v4Base: number[] = [];
  private readonly v4Mask: number[] = [];
  private readonly exact = new Set<string>();
  private readonly cache = new Map<string, boolean>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, bitsText] = entry.trim().split('/');
      const parsed = toBig(addr);
      if (!parsed) continue;
      const width = parsed.v === 4 ? 32 : 128;
      const bits = bitsText === undefined ? width : Number(bitsText);
      if (bits === width) this.exact.add(addr.toLowerCase());
      const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
      this.cidrs.push({ v: parsed.v, base: parsed.n & mask, mask });
      if (parsed.v === 4) {
        this.v4Base.push(Number(parsed.n & mask));
        this.v4Mask.push(Number(mask));
      }
    }
  }

  get empty(): boolean {
    return this.cidrs.length === 0;
  }

  /**
   * The two addresses asked about last and the answers: the detectors ask about a packet's
   * source and destination, and a flow's packets bring the same two one after another, so most
   * calls are answered without parsing the address again.
   */
  private readonly recent = new RecentTwo<boolean>();

  has(address: string): boolean {
    let hit = this.recent.get(address);
    if (hit !== undefined) return hit;
    hit = this.lookUp(address);
    this.recent.remember(address, hit);
    return hit;
  }

  private lookUp(address: string): boolean {
    if (this.exact.has(address)) return true;
    const v4 = ipv4Value(address);
    if (v4 >= 0) {
      const base = this.v4Base;
      const mask = this.v4Mask;
      // & works on the values as signed 32-bit ints; >>> 0 reads the result unsigned again.
      for (let i = 0; i < base.length; i++) if ((v4 & mask[i]) >>> 0 === base[i]) return true;
      return false;
    }
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached;
    const parsed = toBig(address);
    const hit = parsed !== null && this.cidrs.some((c) => c.v === parsed.v && (parsed.n & c.mask) === c.base);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(address, hit);
    return hit;
  }
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one (host sweeps stay inside one). */
export function subnetOf(address: string): string {
  if (address.includes(':')) return address.split(':').slice(0, 4).join(':');
  return address.slice(0, address.lastIndexOf('.'));
}

export function isMulticastOrBroadcast(address: string): boolean {
  if (address.includes(':')) return address.toLowerCase().startsWith('ff');
  const first = leadingOctet(address);
  return (first >= 224 && first <= 239) || address === '255.255.255.255' || address.endsWith('.255');
}

/** The first octet of a dotted quad, read in place (called for most packets: a substring each was garbage); NaN if none. */
function leadingOctet(address: string): number {
  const dot = address.indexOf('.');
  if (dot < 1 || dot > 3) return NaN;
  let n = 0;
  for (let i = 0; i < dot; i++) {
    const digit = address.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return n;
}

const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gv', 'mil', 'nic']);

/** Registrable domain (eTLD+1) with a small built-in list of second-level suffixes (co.uk, com.au ...). */
export function registrableDomain(name: string): string {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1];
  const sld = labels[labels.length - 2];
  const take = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Whether a domain is the given domain or one of its subdomains. */
export function domainMatches(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  return n === d || n.endsWith(`.${d}`);
}
