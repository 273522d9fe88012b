/**
 * DNS message summary: header, the first question (name with compression pointers followed,
 * at most MAX_JUMPS of them so a pointer loop cannot spin) and the TTL / RDATA sizes of the
 * answers. Decodes as far as the captured bytes go and flags the rest.
 */
import { DecodeFlag, type DnsInfo, type Packet } from '../../common/model.ts';
import { u16be, u32be } from './bytes.ts';

const MAX_JUMPS = 64;
const MAX_NAME_BYTES = 1024;
/** Answers beyond this many are counted (answerCount) but not walked: bounded work per packet. */
const MAX_ANSWERS = 64;

export function isDnsPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}

const scratch = Buffer.allocUnsafe(MAX_NAME_BYTES + 64);

/** Result of readName: the offset after the name in the message, or -1 (truncated) / -2 (malformed). */
let nameText = '';

/**
 * Reads the name at `at` of the message starting at `msg` and ending at `end`; sets nameText
 * (dot separated, no trailing dot; bytes that are not UTF-8 become U+FFFD as tshark shows them).
 */
function readName(buf: Buffer, msg: number, at: number, end: number, wantText: boolean): number {
  let pos = at;
  let after = -1;
  let jumps = 0;
  let n = 0;
  let ascii = true;
  for (;;) {
    if (pos >= end) return -1;
    const len = buf[pos];
    if (len === 0) {
      if (after === -1) after = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) return -1;
      if (++jumps > MAX_JUMPS) return -2;
      if (after === -1) after = pos + 2;
      const target = msg + (((len & 0x3f) << 8) | buf[pos + 1]);
      if (target >= end) return -1;
      pos = target;
      continue;
    }
    if (kind !== 0) return -2;
    if (pos + 1 + len > end) return -1;
    if (wantText && n + len + 1 <= MAX_NAME_BYTES) {
      if (n > 0) scratch[n++] = 0x2e;
      for (let i = pos + 1, e = pos + 1 + len; i < e; i++) {
        const c = buf[i];
        if (c >= 0x80) ascii = false;
        scratch[n++] = c;
      }
    }
    pos += 1 + len;
  }
  if (wantText) nameText = n === 0 ? '' : ascii ? scratch.toString('latin1', 0, n) : lenientUtf8(scratch, n);
  return after;
}

export function decodeDns(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 12) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const flags = u16be(buf, off + 2);
  const qdcount = u16be(buf, off + 4);
  const ancount = u16be(buf, off + 6);
  const dns: DnsInfo = {
    id: u16be(buf, off),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0x0f,
    rcode: flags & 0x0f,
    qname: '',
    qtype: 0,
    questionCount: qdcount,
    answerCount: ancount,
    minTtl: 0,
    maxTtl: 0,
    answerBytes: 0,
  };
  p.dns = dns;
  let pos = off + 12;
  for (let q = 0; q < qdcount; q++) {
    const after = readName(buf, off, pos, end, q === 0);
    if (after < 0 || after + 4 > end) return flagName(p, after);
    if (q === 0) {
      dns.qname = nameText;
      dns.qtype = u16be(buf, after);
    }
    pos = after + 4;
  }
  let minTtl = -1;
  let maxTtl = 0;
  let bytes = 0;
  const walk = ancount < MAX_ANSWERS ? ancount : MAX_ANSWERS;
  for (let a = 0; a < walk; a++) {
    const after = readName(buf, off, pos, end, false);
    if (after < 0 || after + 10 > end) {
      flagName(p, after);
      break;
    }
    const ttl = u32be(buf, after + 4);
    const rdlength = u16be(buf, after + 8);
    if (after + 10 + rdlength > end) {
      p.decodeFlags |= DecodeFlag.Truncated;
      break;
    }
    if (minTtl === -1 || ttl < minTtl) minTtl = ttl;
    if (ttl > maxTtl) maxTtl = ttl;
    bytes += rdlength;
    pos = after + 10 + rdlength;
  }
  if (minTtl !== -1) {
    dns.minTtl = minTtl;
    dns.maxTtl = maxTtl;
  }
  dns.answerBytes = bytes;
}

function flagName(p: Packet, after: number): void {
  p.decodeFlags |= after === -2 ? DecodeFlag.Malformed : DecodeFlag.Truncated;
}

/**
 * UTF-8 text of name bytes the way Wireshark renders them (so names compare equal to
 * tshark's): a lead byte starts a sequence of up to six bytes (the pre-2003 UTF-8 forms
 * included, overlong forms accepted as Wireshark does); a sequence cut short by a
 * non-continuation byte, a stray continuation byte, a surrogate or a code point above U+10FFFF each become one U+FFFD.
 */
function lenientUtf8(b: Buffer, n: number): string {
  let out = '';
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let need: number;
    let cp: number;
    if (c < 0xc0) need = -1;
    else if (c < 0xe0) (need = 1), (cp = c & 0x1f);
    else if (c < 0xf0) (need = 2), (cp = c & 0x0f);
    else if (c < 0xf8) (need = 3), (cp = c & 0x07);
    else if (c < 0xfc) (need = 4), (cp = c & 0x03);
    else if (c < 0xfe) (need = 5), (cp = c & 0x01);
    else need = -1;
    i++;
    if (need < 0) {
      out += '\ufffd';
      continue;
    }
    let complete = true;
    for (let k = 0; k < need; k++) {
      if (i >= n || (b[i] & 0xc0) !== 0x80) {
        complete = false;
        break;
      }
      cp = (cp! * 64) + (b[i] & 0x3f);
      i++;
    }
    if (!complete || cp! > 0x10ffff || (cp! >= 0xd800 && cp! <= 0xdfff)) out += '\ufffd';
    else out += String.fromCodePoint(cp!);
  }
  return out;
}
