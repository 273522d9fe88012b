/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): base64 SHA-1 over seed,
 * ordered endpoints, protocol and ports (ICMP type/code mapped to "ports" so that a request
 * and its reply share an id). Computed on demand: SHA-1 per packet would cost the packet
 * path a large share of its throughput, and consumers can derive it from the 5-tuple.
 */
import { createHash } from 'node:crypto';
import type { DetectorPacket } from '../common/model.ts';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SCTP = 132;

const ICMP4_PAIRS: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIRS: Record<number, number> = {
  128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144,
};

export interface FlowTuple {
  src: string;
  dst: string;
  protocol: number;
  /** Port, or ICMP type; -1 when there is none. */
  srcPort: number;
  /** Port, or ICMP code; -1 when there is none. */
  dstPort: number;
}

/** Community ID of a flow tuple, or null when an address cannot be parsed or the families differ. */
export function communityId(flow: FlowTuple, seed = 0): string | null {
  const a = parseIp(flow.src);
  const b = parseIp(flow.dst);
  if (a === null || b === null || a.length !== b.length) return null;
  const proto = flow.protocol;
  let sport = flow.srcPort;
  let dport = flow.dstPort;
  const hasPorts = (proto === TCP || proto === UDP || proto === SCTP || proto === ICMP || proto === ICMPV6) && sport >= 0 && dport >= 0;
  let oneWay = false;
  if (hasPorts && (proto === ICMP || proto === ICMPV6)) {
    const pairs = proto === ICMP ? ICMP4_PAIRS : ICMP6_PAIRS;
    const counterpart = pairs[sport];
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }
  let first = a;
  let second = b;
  const order = Buffer.compare(a, b);
  if (!(oneWay || order < 0 || (order === 0 && sport < dport))) {
    first = b;
    second = a;
    const t = sport;
    sport = dport;
    dport = t;
  }
  const data = Buffer.alloc(2 + first.length * 2 + 2 + (hasPorts ? 4 : 0));
  let o = data.writeUInt16BE(seed & 0xffff, 0);
  o += first.copy(data, o);
  o += second.copy(data, o);
  data[o++] = proto;
  data[o++] = 0;
  if (hasPorts) {
    o = data.writeUInt16BE(sport, o);
    data.writeUInt16BE(dport, o);
  }
  return `1:${createHash('sha1').update(data).digest('base64')}`;
}

/** Community ID of a decoded packet's flow; null for non-IP packets. */
export function communityIdOf(p: DetectorPacket, seed = 0): string | null {
  if (p.ipVersion === 0 || p.src === '' || p.dst === '' || p.protocol < 0) return null;
  const icmp = p.protocol === ICMP || p.protocol === ICMPV6;
  return communityId(
    { src: p.src, dst: p.dst, protocol: p.protocol, srcPort: icmp ? p.icmpType : p.srcPort, dstPort: icmp ? p.icmpCode : p.dstPort },
    seed,
  );
}

/** Network-order bytes of an IPv4 or IPv6 text address, or null. */
export function parseIp(text: string): Buffer | null {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    if (part.length === 0 || part.length > 3) return null;
    const n = Number(part);
    if (!Number.isInteger(n) || n < 0 || n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Buffer | null {
  let head = text;
  let tail4: Buffer | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    tail4 = parseIpv4(text.slice(lastColon + 1));
    if (tail4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.length === 0 || g.length > 4) return null;
      const n = Number.parseInt(g, 16);
      if (Number.isNaN(n) || !/^[0-9a-fA-F]+$/.test(g)) return null;
      out.push(n);
    }
    return out;
  };
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i], i * 2);
  if (tail4 !== null) tail4.copy(out, 12);
  return out;
}
