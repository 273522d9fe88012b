/**
 * A dedicated Avro encoder for the PacketBatch record (schemas/packet-batch.avsc): the same
 * bytes avsc writes, at a fraction of the cost. avsc dispatches per field through type objects
 * and re-checks every value; this writes the fields of one fixed schema in order into one
 * growing scratch buffer, with a single capacity check per packet. It is the sensor's hot path
 * (every captured packet goes through it), which is why it exists beside the generic encoder.
 *
 * The encoding, as avsc does it: int and long are zigzag varints; strings a length (in UTF-8
 * bytes) then the bytes; boolean one byte; the ["null", X] unions the branch index (0 or 1)
 * then the value; arrays one block (count, items) then a 0 count, or just 0 when empty.
 *
 * A value this encoder does not expect (a wrong type, a missing field: avsc would then write the
 * field's default) makes it give up and return null; the caller then goes through avsc, which
 * encodes it or names the field in its error. test/unit/common/serde/packet-batch-encoder.test.ts
 * checks byte equality with avsc on real captures and edge cases.
 *
 * If schemas/packet-batch.avsc changes, this file must change with it (the test fails otherwise).
 */
import type avro from 'avsc';
import { SerdeError } from '../errors.ts';
import type { ArpInfo, DnsInfo, Packet, PacketBatch } from '../model.ts';
import { avroType } from './avro-types.ts';

/** Thrown inside the encoder for a value it does not handle; never escapes this module. */
const UNENCODABLE = new Error('value not handled by the PacketBatch encoder');

/** avsc's range for the 'long' type (LongType rejects numbers it cannot represent exactly). */
const MAX_LONG = 9007199254740990;

/**
 * Upper bound of the bytes of one Packet without its string contents: 10 per long, 5 per int
 * and per length/count varint, with the ARP and DNS records and every union present.
 */
const PACKET_FIXED_MAX = 331;
const EMPTY = Buffer.alloc(0);

let scratch = Buffer.allocUnsafe(1 << 20);
/** Unaligned 32-bit access to scratch (copies cached string bytes four at a time). */
let scratchView: DataView<ArrayBufferLike> = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
/** A view of the buffer being written (scratch, or a PacketBatchBody's): str() copies through it. */
let targetView: DataView<ArrayBufferLike> = scratchView;

/** How many batches went through avsc instead (a value the encoder does not handle). */
export const packetBatchEncoderStats = { encoded: 0, fallbacks: 0 };

/**
 * `header` followed by the Avro body of `batch`, in a buffer of its own; null when the batch
 * holds a value this encoder does not handle (encode it with avsc then).
 */
export function encodePacketBatch(batch: PacketBatch, header: Buffer = EMPTY): Buffer | null {
  let end: number;
  try {
    targetView = scratchView;
    end = writeBatch(batch, header);
  } catch {
    // UNENCODABLE, or a TypeError from a value that is not even an object: avsc will tell.
    packetBatchEncoderStats.fallbacks++;
    return null;
  }
  packetBatchEncoderStats.encoded++;
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

/**
 * The packets of one batch, encoded as they are added, so that a batch being filled holds
 * bytes rather than Packet objects (which would otherwise live long enough for the GC to move
 * them to the old generation by the hundred thousand). `frame` then writes the whole message.
 * The buffer is kept across batches: call `reset` once the framed message is taken.
 */
export class PacketBatchBody {
  private buf: Buffer;
  private view: DataView<ArrayBufferLike>;
  /** Encoded bytes of the packets so far. */
  bytes = 0;
  /** Packets added, victim copies included. */
  count = 0;
  /** Of those, victim copies (Packet.victimCopy): count - victimCopies are the capture's own. */
  victimCopies = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Throws SerdeError (naming the field) for a packet that does not match the schema. */
  add(p: Packet): void {
    let end: number;
    try {
      this.reserve(packetBound(p));
      targetView = this.view;
      end = writePacket(this.buf, this.bytes, p);
    } catch {
      end = this.addThroughAvsc(p);
    }
    this.bytes = end;
    this.count++;
    if (p.victimCopy) this.victimCopies++;
  }

  /** header, the batch's fields and the packets added since the last reset, in a buffer of its own. */
  frame(header: Buffer, sensorId: string, sensorHost: string, batchSeq: number): Buffer {
    let b = ensure(header.length + 40 + 3 * (sensorId.length + sensorHost.length), 0);
    header.copy(b, 0);
    targetView = scratchView;
    let pos = str(b, header.length, sensorId);
    pos = str(b, pos, sensorHost);
    pos = long(b, pos, batchSeq);
    if (this.count > 0) pos = varint(b, pos, this.count);
    b = scratch;
    const out = Buffer.allocUnsafe(pos + this.bytes + 1);
    b.copy(out, 0, 0, pos);
    this.buf.copy(out, pos, 0, this.bytes);
    out[pos + this.bytes] = 0;
    return out;
  }

  reset(): void {
    this.bytes = 0;
    this.count = 0;
    this.victimCopies = 0;
    // One giant batch (a huge batchMaxPackets) should not pin its buffer forever.
    if (this.buf.length > MAX_KEPT_BODY) this.replace(Buffer.allocUnsafe(64 * 1024), 0);
  }

  private reserve(more: number): void {
    const need = this.bytes + more;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    this.replace(Buffer.allocUnsafe(size), this.bytes);
  }

  private replace(buf: Buffer, keep: number): void {
    this.buf.copy(buf, 0, 0, keep);
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  private addThroughAvsc(p: Packet): number {
    const type = packetType();
    let bytes: Buffer;
    try {
      bytes = type.toBuffer(p);
    } catch (err) {
      const paths: string[] = [];
      type.isValid(p, { errorHook: (path) => paths.push(path.join('.')) });
      throw new SerdeError(`packetBatch: packet does not match its schema${paths.length ? ` at ${paths.slice(0, 3).join(', ')}` : ''}: ${(err as Error).message}`, { cause: err });
    }
    packetBatchEncoderStats.fallbacks++;
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.bytes);
    return this.bytes + bytes.length;
  }
}

const MAX_KEPT_BODY = 16 << 20;

function packetType(): avro.Type {
  return ((avroType('packetBatch') as avro.types.RecordType).fields[3].type as avro.types.ArrayType).itemsType;
}

function ensure(end: number, keep: number): Buffer {
  if (end > scratch.length) {
    let size = scratch.length * 2;
    while (size < end) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    scratch.copy(bigger, 0, 0, keep);
    scratch = bigger;
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
    targetView = scratchView;
  }
  return scratch;
}

function writeBatch(batch: PacketBatch, header: Buffer): number {
  const sensorId = batch.sensorId;
  const sensorHost = batch.sensorHost;
  const packets = batch.packets;
  if (typeof sensorId !== 'string' || typeof sensorHost !== 'string' || !Array.isArray(packets)) throw UNENCODABLE;
  let b = ensure(header.length + 40 + 3 * (sensorId.length + sensorHost.length), 0);
  header.copy(b, 0);
  let pos = header.length;
  pos = str(b, pos, sensorId);
  pos = str(b, pos, sensorHost);
  pos = long(b, pos, batch.batchSeq);
  const n = packets.length;
  if (n > 0) {
    pos = varint(b, pos, n);
    for (let i = 0; i < n; i++) {
      const p = packets[i];
      b = ensure(pos + packetBound(p), pos);
      pos = writePacket(b, pos, p);
    }
  }
  b[pos++] = 0;
  return pos;
}

/** Most bytes writePacket can need for p (and the type checks of its strings and arrays). */
function packetBound(p: Packet): number {
  const vlanIds = p.vlanIds;
  if (!Array.isArray(vlanIds)) throw UNENCODABLE;
  let chars = len(p.srcMac) + len(p.dstMac) + len(p.src) + len(p.dst);
  const arp = p.arp;
  if (arp !== null) chars += len(arp.senderMac) + len(arp.senderIp) + len(arp.targetMac) + len(arp.targetIp);
  const dns = p.dns;
  if (dns !== null) chars += len(dns.qname);
  const tlsSni = p.tlsSni;
  if (tlsSni !== null) chars += len(tlsSni);
  const httpHost = p.httpHost;
  if (httpHost !== null) chars += len(httpHost);
  const communityId = p.communityId;
  if (communityId !== null) chars += len(communityId);
  const smbRpc = p.smbRpc;
  if (smbRpc !== null) chars += len(smbRpc);
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units).
  return PACKET_FIXED_MAX + 5 * vlanIds.length + 3 * chars;
}

function len(s: unknown): number {
  if (typeof s !== 'string') throw UNENCODABLE;
  return s.length;
}

/**
 * One Packet, fields in schema order. The int fields are written inline (zigzag of an int32 as
 * an unsigned 32-bit value, then base-128 groups): with ~25 of them per packet, calls would cost
 * more than the writing, and V8 stops inlining small helpers after a few hundred bytecodes.
 */
function writePacket(b: Buffer, pos: number, p: Packet): number {
  let v: number;
  let m: number;
  pos = long(b, pos, p.ts);
  v = p.length;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.capLength;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.ifIndex;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.linkType;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  pos = str(b, pos, p.srcMac);
  pos = str(b, pos, p.dstMac);
  const vlanIds = p.vlanIds;
  const nv = vlanIds.length;
  if (nv > 0) {
    pos = varint(b, pos, nv);
    for (let i = 0; i < nv; i++) pos = int(b, pos, vlanIds[i]);
  }
  b[pos++] = 0;
  v = p.etherType;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.ipVersion;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  pos = str(b, pos, p.src);
  pos = str(b, pos, p.dst);
  v = p.protocol;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.ttl;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.ipLength;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.fragment as unknown as number;
  if (typeof v !== 'boolean') throw UNENCODABLE;
  b[pos++] = v ? 1 : 0;
  v = p.fragmentOffset;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.srcPort;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.dstPort;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.tcpFlags;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  pos = long(b, pos, p.tcpSeq);
  pos = long(b, pos, p.tcpAck);
  v = p.tcpWindow;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.payloadLength;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.icmpType;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  v = p.icmpCode;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  const arp = p.arp;
  if (arp === null) b[pos++] = 0;
  else {
    b[pos++] = 2;
    pos = writeArp(b, pos, arp);
  }
  const dns = p.dns;
  if (dns === null) b[pos++] = 0;
  else {
    b[pos++] = 2;
    pos = writeDns(b, pos, dns);
  }
  pos = optionalStr(b, pos, p.tlsSni);
  pos = optionalStr(b, pos, p.httpHost);
  pos = optionalStr(b, pos, p.communityId);
  v = p.decodeFlags;
  if (v !== (v | 0)) throw UNENCODABLE;
  for (m = ((v << 1) ^ (v >> 31)) >>> 0; m > 0x7f; m >>>= 7) b[pos++] = (m & 0x7f) | 0x80;
  b[pos++] = m;
  pos = optionalStr(b, pos, p.smbRpc);
  const victimCopy = p.victimCopy;
  if (typeof victimCopy !== 'boolean') throw UNENCODABLE;
  b[pos++] = victimCopy ? 1 : 0;
  return pos;
}

function writeArp(b: Buffer, pos: number, arp: ArpInfo): number {
  if (typeof arp !== 'object' || Array.isArray(arp) || Buffer.isBuffer(arp)) throw UNENCODABLE;
  pos = int(b, pos, arp.op);
  pos = str(b, pos, arp.senderMac);
  pos = str(b, pos, arp.senderIp);
  pos = str(b, pos, arp.targetMac);
  return str(b, pos, arp.targetIp);
}

function writeDns(b: Buffer, pos: number, dns: DnsInfo): number {
  if (typeof dns !== 'object' || Array.isArray(dns) || Buffer.isBuffer(dns)) throw UNENCODABLE;
  pos = int(b, pos, dns.id);
  pos = bool(b, pos, dns.response);
  pos = int(b, pos, dns.opcode);
  pos = int(b, pos, dns.rcode);
  pos = str(b, pos, dns.qname);
  pos = int(b, pos, dns.qtype);
  pos = int(b, pos, dns.questionCount);
  pos = int(b, pos, dns.answerCount);
  pos = long(b, pos, dns.minTtl);
  pos = long(b, pos, dns.maxTtl);
  return int(b, pos, dns.answerBytes);
}

/**
 * The small values that dominate (flags, small ports, -1 "none") take one byte, inline; the
 * rest goes through the checked slow paths. Kept tiny so V8 inlines it at every field.
 */
function int(b: Buffer, pos: number, n: number): number {
  if (n >= -64 && n < 64 && n === (n | 0)) {
    b[pos] = (n << 1) ^ (n >> 31);
    return pos + 1;
  }
  if (n >= -8192 && n < 8192 && n === (n | 0)) {
    const m = (n << 1) ^ (n >> 31);
    b[pos] = (m & 0x7f) | 0x80;
    b[pos + 1] = m >>> 7;
    return pos + 2;
  }
  return intSlow(b, pos, n);
}

function intSlow(b: Buffer, pos: number, n: number): number {
  if (n !== (n | 0)) throw UNENCODABLE;
  return varint(b, pos, n);
}

function long(b: Buffer, pos: number, n: number): number {
  if (n >= -64 && n < 64 && n === (n | 0)) {
    b[pos] = (n << 1) ^ (n >> 31);
    return pos + 1;
  }
  return longSlow(b, pos, n);
}

function longSlow(b: Buffer, pos: number, n: number): number {
  // (Number.isInteger rather than n % 1: a float modulo is a libm call.)
  if (typeof n !== 'number' || !Number.isInteger(n) || n > MAX_LONG || n < -MAX_LONG) throw UNENCODABLE;
  return varint(b, pos, n);
}

function bool(b: Buffer, pos: number, v: boolean): number {
  if (typeof v !== 'boolean') throw UNENCODABLE;
  b[pos] = v ? 1 : 0;
  return pos + 1;
}

const TWO_POW_28 = 268435456;

/** Zigzag varint of an integer-valued number: the bytes of avsc's Tap#writeLong. */
function varint(b: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = (n << 1) ^ (n >> 31);
    while (m > 0x7f) {
      b[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    b[pos++] = m;
    return pos;
  }
  // Beyond 31 bits the zigzag value needs float arithmetic (avsc rounds it the same way).
  // Its low 28 bits are 4 full groups; what is left above them fits an int again.
  const f = n >= 0 ? n * 2 : -n * 2 - 1;
  let hi = Math.floor(f / TWO_POW_28);
  const lo = f - hi * TWO_POW_28;
  b[pos] = (lo & 0x7f) | 0x80;
  b[pos + 1] = ((lo >>> 7) & 0x7f) | 0x80;
  b[pos + 2] = ((lo >>> 14) & 0x7f) | 0x80;
  b[pos + 3] = ((lo >>> 21) & 0x7f) | 0x80;
  pos += 4;
  while (hi > 0x7f) {
    b[pos++] = (hi & 0x7f) | 0x80;
    hi >>>= 7;
  }
  b[pos++] = hi;
  return pos;
}

function optionalStr(b: Buffer, pos: number, s: string | null): number {
  if (s === null) {
    b[pos] = 0;
    return pos + 1;
  }
  b[pos] = 2;
  return str(b, pos + 1, s);
}

/**
 * Encoded strings (length prefix + UTF-8), keyed by the string: a capture repeats the same few
 * hundred addresses millions of times, and copying cached bytes costs a fraction of reading the
 * string char by char (String#charCodeAt dispatches on the string's representation every call).
 * Bounded: the arena and the map are cleared when the arena is full or the map holds
 * STRING_CACHE_ENTRIES strings. Only short strings go in (long ones are rarely repeated).
 */
const STRING_CACHE_ENTRIES = 1 << 14;
const STRING_CACHE_MAX_CHARS = 48;
const arena = new Uint8Array(1 << 20);
const arenaView = new DataView(arena.buffer);
let arenaEnd = 0;
/** string -> arena offset * 256 + encoded length (at most 1 + 3 * 48 bytes). */
const stringCache = new Map<string, number>();

/** Length-prefixed UTF-8; the caller made room for 5 + 3 * s.length bytes. */
function str(b: Buffer, pos: number, s: string): number {
  const cached = stringCache.get(s);
  if (cached !== undefined) {
    let i = cached >>> 8;
    const end = i + (cached & 0xff);
    // targetView views b.
    for (; i + 4 <= end; i += 4, pos += 4) targetView.setUint32(pos, arenaView.getUint32(i, true), true);
    for (; i < end; i++) b[pos++] = arena[i];
    return pos;
  }
  if (typeof s !== 'string') throw UNENCODABLE;
  const after = strUncached(b, pos, s);
  if (s.length <= STRING_CACHE_MAX_CHARS) {
    const size = after - pos;
    if (arenaEnd + size > arena.length || stringCache.size >= STRING_CACHE_ENTRIES) {
      stringCache.clear();
      arenaEnd = 0;
    }
    stringCache.set(s, arenaEnd * 256 + size);
    for (let i = pos; i < after; i++) arena[arenaEnd++] = b[i];
  }
  return after;
}

function strUncached(b: Buffer, pos: number, s: string): number {
  const n = s.length;
  // Fast path: ASCII, where bytes = char codes and the byte length is the string length.
  let at = n < 64 ? pos + 1 : varint(b, pos, n);
  if (n < 64) b[pos] = n << 1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return utf8Str(b, pos, s);
    b[at++] = c;
  }
  return at;
}

/**
 * Non-ASCII text, written as avsc writes it: Buffer's UTF-8 for more than 64 bytes, otherwise
 * avsc's own loop (which, unlike Buffer, writes a lone surrogate as its 3-byte form instead of
 * U+FFFD; the length prefix is Buffer.byteLength's either way).
 */
function utf8Str(b: Buffer, pos: number, s: string): number {
  const byteLength = Buffer.byteLength(s);
  pos = varint(b, pos, byteLength);
  if (byteLength > 64) return pos + b.write(s, pos, byteLength, 'utf8');
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    let c2: number;
    if (c < 0x80) b[pos++] = c;
    else if (c < 0x800) {
      b[pos++] = (c >> 6) | 0xc0;
      b[pos++] = (c & 0x3f) | 0x80;
    } else if ((c & 0xfc00) === 0xd800 && i + 1 < n && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      b[pos++] = (c >> 18) | 0xf0;
      b[pos++] = ((c >> 12) & 0x3f) | 0x80;
      b[pos++] = ((c >> 6) & 0x3f) | 0x80;
      b[pos++] = (c & 0x3f) | 0x80;
    } else {
      b[pos++] = (c >> 12) | 0xe0;
      b[pos++] = ((c >> 6) & 0x3f) | 0x80;
      b[pos++] = (c & 0x3f) | 0x80;
    }
  }
  return pos;
}
