/**
 * Address text without regexes or per-call formatting chains: lookup tables for the octets
 * and small bounded caches, since a capture repeats the same few hundred addresses millions
 * of times and a cached string is also already flat when the Avro encoder copies it.
 */
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

const CACHE_LIMIT = 1 << 16;
const ipv4Cache = new Map<number, string>();
const macCache = new Map<number, string>();

export function ipv4FromU32(v: number): string {
  let s = ipv4Cache.get(v);
  if (s === undefined) {
    s = DEC_DOT[v >>> 24] + DEC_DOT[(v >>> 16) & 0xff] + DEC_DOT[(v >>> 8) & 0xff] + DEC[v & 0xff];
    if (ipv4Cache.size >= CACHE_LIMIT) ipv4Cache.clear();
    ipv4Cache.set(v, s);
  }
  return s;
}

export function ipv4Text(buf: Buffer, off: number): string {
  return ipv4FromU32(buf.readUInt32BE(off));
}

export function macText(buf: Buffer, off: number): string {
  const key = buf.readUInt16BE(off) * 4294967296 + buf.readUInt32BE(off + 2);
  let s = macCache.get(key);
  if (s === undefined) {
    s = HEX2_COLON[buf[off]] + HEX2_COLON[buf[off + 1]] + HEX2_COLON[buf[off + 2]] + HEX2_COLON[buf[off + 3]] + HEX2_COLON[buf[off + 4]] + HEX2[buf[off + 5]];
    if (macCache.size >= CACHE_LIMIT) macCache.clear();
    macCache.set(key, s);
  }
  return s;
}

const words = new Uint16Array(8);

/**
 * RFC 5952 text of the IPv6 address at off, exactly as glibc's inet_ntop (and so tshark)
 * prints it: lower case, no leading zeros, the longest run of two or more zero groups (the
 * first on a tie) as "::", and IPv4-mapped / IPv4-compatible addresses with a dotted quad.
 */
export function ipv6Text(buf: Buffer, off: number): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    const w = buf.readUInt16BE(off + 2 * i);
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
