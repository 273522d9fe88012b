/**
 * Address text without regexes or per-call formatting chains: lookup tables for the octets
 * and small bounded caches, since a capture repeats the same few hundred addresses millions
 * of times (and handing on the same string object lets the Avro encoder reuse its bytes).
 */
import { flat } from '../../common/flat-string.ts';

const DEC: string[] = [];
const DEC_DOT: string[] = [];
const HEX2: string[] = [];
const HEX2_COLON: string[] = [];
for (let i = 0; i < 256; i++) {
  DEC.push(String(i));
  DEC_DOT.push(`${i}.`);
  const h = i.toString(16).padStart(2, '0');
  HEX2.push(h);
  HEX2_COLON.push(`${h}:`);
}

/**
 * Direct-mapped caches (a slot per hash of the address, the newest address wins the slot):
 * bounded by construction, no Map hashing of heap numbers, and a hit is two array loads.
 */
const SLOT_BITS = 14;
const SLOTS = 1 << SLOT_BITS;
const SHIFT = 32 - SLOT_BITS;
const ipv4Keys = new Int32Array(SLOTS);
const ipv4Vals: string[] = new Array<string>(SLOTS).fill('');
const macHi = new Int32Array(SLOTS);
const macLo = new Int32Array(SLOTS);
const macVals: string[] = new Array<string>(SLOTS).fill('');

export function ipv4FromU32(u32: number): string {
  const v = u32 | 0;
  const slot = Math.imul(v, 0x9e3779b1) >>> SHIFT;
  const cached = ipv4Vals[slot];
  if (ipv4Keys[slot] === v && cached !== '') return cached;
  const s = flat(DEC_DOT[v >>> 24] + DEC_DOT[(v >>> 16) & 0xff] + DEC_DOT[(v >>> 8) & 0xff] + DEC[v & 0xff]);
  ipv4Keys[slot] = v;
  ipv4Vals[slot] = s;
  return s;
}

export function ipv4Text(buf: Buffer, off: number): string {
  return ipv4FromU32((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
}

export function macText(buf: Buffer, off: number): string {
  const hi = (buf[off] << 8) | buf[off + 1];
  const lo = (buf[off + 2] << 24) | (buf[off + 3] << 16) | (buf[off + 4] << 8) | buf[off + 5];
  const slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> SHIFT;
  const cached = macVals[slot];
  if (macLo[slot] === lo && macHi[slot] === hi && cached !== '') return cached;
  const s = flat(HEX2_COLON[buf[off]] + HEX2_COLON[buf[off + 1]] + HEX2_COLON[buf[off + 2]] + HEX2_COLON[buf[off + 3]] + HEX2_COLON[buf[off + 4]] + HEX2[buf[off + 5]]);
  macHi[slot] = hi;
  macLo[slot] = lo;
  macVals[slot] = s;
  return s;
}

const words = new Uint16Array(8);

/**
 * RFC 5952 text of the IPv6 address at off, exactly as glibc's inet_ntop (and so tshark)
 * prints it: lower case, no leading zeros, the longest run of two or more zero groups (the
 * first on a tie) as "::", and IPv4-mapped / IPv4-compatible addresses with a dotted quad.
 */
const ipv6Keys = new Int32Array(SLOTS * 4);
const ipv6Vals: string[] = new Array<string>(SLOTS).fill('');

export function ipv6Text(buf: Buffer, off: number): string {
  const a = (buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3];
  const b = (buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7];
  const c = (buf[off + 8] << 24) | (buf[off + 9] << 16) | (buf[off + 10] << 8) | buf[off + 11];
  const d = (buf[off + 12] << 24) | (buf[off + 13] << 16) | (buf[off + 14] << 8) | buf[off + 15];
  const slot = Math.imul(Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0xc2b2ae35) ^ c ^ Math.imul(d, 0x27d4eb2f), 0x9e3779b1) >>> SHIFT;
  const k = slot * 4;
  const cached = ipv6Vals[slot];
  if (ipv6Keys[k] === a && ipv6Keys[k + 1] === b && ipv6Keys[k + 2] === c && ipv6Keys[k + 3] === d && cached !== '') return cached;
  const s = flat(ipv6Format(buf, off));
  ipv6Keys[k] = a;
  ipv6Keys[k + 1] = b;
  ipv6Keys[k + 2] = c;
  ipv6Keys[k + 3] = d;
  ipv6Vals[slot] = s;
  return s;
}

function ipv6Format(buf: Buffer, off: number): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    const w = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
    words[i] = w;
    if (w === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      s += DEC_DOT[buf[off + 12]] + DEC_DOT[buf[off + 13]] + DEC_DOT[buf[off + 14]] + DEC[buf[off + 15]];
      break;
    }
    s += words[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}
