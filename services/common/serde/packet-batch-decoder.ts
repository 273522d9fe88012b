/**
 * A dedicated Avro decoder for the PacketBatch record (schemas/packet-batch.avsc), the mirror
 * of packet-batch-encoder.ts: the same values avsc's generic reader returns for our own schema,
 * at a fraction of the cost (avsc reads every field through a type object and builds records
 * through generated constructors). It is the detector workers' hot path: every packet a worker
 * folds was decoded here, by decodeDetectorBatch, with only the fields the detectors read.
 *
 * It reads only what it can read exactly like avsc and hands everything else back (returns
 * null): a negative array block count (the block-size form), an invalid union index, a long
 * outside avsc's safe range, a string length that is negative or past the end, bytes that end
 * inside the record, a count larger than the bytes could hold. The caller then decodes with
 * avsc, which gives the same value or the error it always gave. Records written with another
 * schema (registry schema resolution) never come here.
 *
 * Strings are interned: a capture repeats the same few hundred addresses and MACs millions of
 * times, and a repeated string costs a byte comparison instead of a new string (the detectors
 * then hash and compare the same string objects in their maps).
 * test/unit/common/serde/packet-batch-decoder.test.ts checks equality with avsc on every packet
 * of the shared captures and on edge cases. If schemas/packet-batch.avsc changes, this file
 * must change with it (the test fails otherwise).
 */
import { NO_VLANS, type ArpInfo, type DetectorBatch, type DnsInfo, type Packet, type PacketBatch } from '../model.ts';
import { PackedPackets } from '../packed-packet.ts';

/** Thrown inside the decoder for input it leaves to avsc; never escapes this module. */
const NOT_HANDLED = new Error('bytes not handled by the PacketBatch decoder');

/** avsc's LongType accepts |n| <= 2^53 - 2 (isSafeLong). */
const MAX_LONG = 9007199254740990;
/** The fewest bytes one encoded Packet can take (34 one-byte fields and lengths). */
const PACKET_MIN_BYTES = 34;

let buf: Buffer = Buffer.alloc(0);
/** A view of buf (same indexes): four-byte reads for hashing and comparing strings. */
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let pos = 0;
let end = 0;

/** How many bodies went through avsc instead. */
export const packetBatchDecoderStats = { decoded: 0, fallbacks: 0 };

/**
 * The PacketBatch whose Avro body spans value[offset..value.length), or null when avsc must
 * decode it (see above). Like avsc with our own schema, every byte must belong to the record.
 */
export function decodePacketBatch(value: Buffer, offset: number): PacketBatch | null {
  return decodeBatch(value, offset, () => readPackets(readPacket));
}

/**
 * decodePacketBatch for the detectors: the same checks and fallbacks, packets with only the
 * fields they read (model.ts DetectorPacket; the others are read past), packed in columns
 * (PackedPackets).
 */
export function decodeDetectorBatch(value: Buffer, offset: number): DetectorBatch | null {
  return decodeBatch(value, offset, readPackedPackets);
}

function decodeBatch<L extends Packet[] | PackedPackets>(value: Buffer, offset: number, readList: () => L): (Omit<PacketBatch, 'packets'> & { packets: L }) | null {
  buf = value;
  view = new DataView(value.buffer, value.byteOffset, value.length);
  pos = offset;
  end = value.length;
  try {
    const sensorId = readString();
    const sensorHost = readString();
    const batchSeq = readLong();
    const packets = readList();
    if (pos !== end) throw NOT_HANDLED;
    packetBatchDecoderStats.decoded++;
    return { sensorId, sensorHost, batchSeq, packets };
  } catch {
    packetBatchDecoderStats.fallbacks++;
    return null;
  } finally {
    buf = EMPTY;
    view = EMPTY_VIEW;
  }
}

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

function readPackets<P>(read: () => P): P[] {
  let n = readCount();
  if (n === 0) return [];
  const packets = new Array<P>(n);
  let i = 0;
  for (;;) {
    while (n-- > 0) packets[i++] = read();
    n = readCount();
    if (n === 0) return packets;
    // avsc appends further blocks to the array it allocated for the first one.
  }
}

/** An array block count: avsc's negative form (followed by a byte size) is left to avsc. */
function readCount(): number {
  const n = readLong();
  if (n < 0 || n * PACKET_MIN_BYTES > end - pos) throw NOT_HANDLED;
  return n;
}

function readPacket(): Packet {
  // Object literal in schema field order: every packet shares one hidden class.
  const p: Packet = {
    ts: readLong(),
    length: readInt(),
    capLength: readInt(),
    ifIndex: readInt(),
    linkType: readInt(),
    srcMac: readString(),
    dstMac: readString(),
    vlanIds: readInts(),
    etherType: readInt(),
    ipVersion: readInt(),
    src: readString(),
    dst: readString(),
    protocol: readInt(),
    ttl: readInt(),
    ipLength: readInt(),
    fragment: readBoolean(),
    fragmentOffset: readInt(),
    srcPort: readInt(),
    dstPort: readInt(),
    tcpFlags: readInt(),
    tcpSeq: readLong(),
    tcpAck: readLong(),
    tcpWindow: readInt(),
    payloadLength: readInt(),
    icmpType: readInt(),
    icmpCode: readInt(),
    arp: readUnionBranch() ? readArp() : null,
    dns: readUnionBranch() ? readDns() : null,
    tlsSni: readUnionBranch() ? readString() : null,
    httpHost: readUnionBranch() ? readString() : null,
    communityId: readUnionBranch() ? readString() : null,
    decodeFlags: readInt(),
    smbRpc: readUnionBranch() ? readString() : null,
    victimCopy: readBoolean(),
  };
  if (pos > end) throw NOT_HANDLED;
  return p;
}

/**
 * readPacket without the fields the detectors do not read (read past, not kept), the others in
 * the order keptPacket (detector/engine/first-packet.ts) builds them too: one hidden class for
 * every packet a worker folds.
 */
/** The packets array, packed. */
function readPackedPackets(): PackedPackets {
  let n = readCount();
  const packets = new PackedPackets(n);
  if (n === 0) return packets;
  for (;;) {
    while (n-- > 0) readDetectorPacket(packets);
    n = readCount();
    if (n === 0) return packets;
  }
}

/** Appends a packet's detector fields to `packed`. */
function readDetectorPacket(packed: PackedPackets): void {
  const ts = readLong();
  const length = readInt();
  // Fields read past are checked as readPacket checks them, so both hand the same bytes to avsc.
  readInt(); // capLength
  readInt(); // ifIndex
  readInt(); // linkType
  skipString(); // srcMac
  skipString(); // dstMac
  readInts(); // vlanIds
  readInt(); // etherType
  const ipVersion = readInt();
  const src = readString();
  const dst = readString();
  const protocol = readInt();
  readInt(); // ttl
  const ipLength = readInt();
  const fragment = readBoolean();
  const fragmentOffset = readInt();
  const srcPort = readInt();
  const dstPort = readInt();
  const tcpFlags = readInt();
  readLong(); // tcpSeq
  readLong(); // tcpAck
  readInt(); // tcpWindow
  const payloadLength = readInt();
  const icmpType = readInt();
  const icmpCode = readInt();
  const arp = readUnionBranch() ? readArp() : null;
  const dns = readUnionBranch() ? readDns() : null;
  if (readUnionBranch()) skipString(); // tlsSni
  if (readUnionBranch()) skipString(); // httpHost
  const communityId = readUnionBranch() ? readString() : null;
  readInt(); // decodeFlags
  const smbRpc = readUnionBranch() ? readString() : null;
  const victimCopy = readBoolean();
  if (pos > end) throw NOT_HANDLED;
  packed.push(ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy);
}

function readArp(): ArpInfo {
  return { op: readInt(), senderMac: readString(), senderIp: readString(), targetMac: readString(), targetIp: readString() };
}

function readDns(): DnsInfo {
  return {
    id: readInt(),
    response: readBoolean(),
    opcode: readInt(),
    rcode: readInt(),
    qname: readString(),
    qtype: readInt(),
    questionCount: readInt(),
    answerCount: readInt(),
    minTtl: readLong(),
    maxTtl: readLong(),
    answerBytes: readInt(),
  };
}

/** An int array; an empty one is the shared NO_VLANS (vlanIds is this decoder's only int array). */
function readInts(): number[] {
  let n = readLong();
  if (n === 0) return NO_VLANS;
  const out: number[] = [];
  for (;;) {
    if (n < 0 || n > end - pos) throw NOT_HANDLED;
    while (n-- > 0) out.push(readInt());
    n = readLong();
    if (n === 0) return out;
  }
}

/** The index of a ["null", X] union: false for null, true for X. */
function readUnionBranch(): boolean {
  const b = buf[pos++];
  if (b === 0) return false;
  if (b === 2) return true;
  throw NOT_HANDLED;
}

/** avsc's BooleanType: any non-zero byte is true. */
function readBoolean(): boolean {
  return !!buf[pos++];
}

/**
 * avsc's IntType reads a long without a range check, so an int is read as a long. One-byte
 * values (flags, small ports, -1) take the inline path.
 */
function readInt(): number {
  const b = buf[pos];
  if (b < 0x80) {
    pos++;
    return (b >> 1) ^ -(b & 1);
  }
  return readLongSlow();
}

function readLong(): number {
  const b = buf[pos];
  if (b < 0x80) {
    pos++;
    return (b >> 1) ^ -(b & 1);
  }
  const n = readLongSlow();
  if (n > MAX_LONG || n < -MAX_LONG) throw NOT_HANDLED;
  return n;
}

/** avsc's Tap#readLong, value for value (a read past the end is caught by the end checks). */
function readLongSlow(): number {
  let n = 0;
  let k = 0;
  let b: number;
  let h: number;
  do {
    b = buf[pos++];
    h = b & 0x80;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (h && k < 28);
  if (h) {
    let f = n;
    let fk = 268435456;
    do {
      b = buf[pos++];
      f += (b & 0x7f) * fk;
      fk *= 128;
    } while (b & 0x80);
    // f's lowest bit is n's below 2^53 (f and n differ by a multiple of 2^28), and f % 2 on a
    // double is a call to fmod: a tenth of the decoder's time went to it, for every timestamp.
    const odd = f < 9007199254740992 ? n & 1 : f % 2;
    return (odd ? -(f + 1) : f) / 2;
  }
  return (n >> 1) ^ -(n & 1);
}

/**
 * Interned strings: open addressing over a hash of the bytes; a slot holds the string, and its
 * bytes at slot * INTERN_MAX_BYTES in `internBytes`. Only short strings are interned (addresses,
 * MACs, host names); a colliding new string replaces the old one.
 */
const INTERN_SLOTS = 1 << 14;
const INTERN_MAX_BYTES = 48;
const internStrings: Array<string | undefined> = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
const internLengths = new Uint8Array(INTERN_SLOTS);
const internBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX_BYTES);
const internView = new DataView(internBytes.buffer);

/** readString's checks without the string. */
function skipString(): void {
  const len = readInt();
  if (len < 0 || pos + len > end) throw NOT_HANDLED;
  pos += len;
}

function readString(): string {
  // The byte length: a long, without a range check (avsc's StringType).
  const len = readInt();
  const start = pos;
  const stop = start + len;
  if (len < 0 || stop > end) throw NOT_HANDLED;
  pos = stop;
  if (len === 0) return '';
  if (len > INTERN_MAX_BYTES) return buf.toString('utf8', start, stop);
  // Hashed and compared four bytes at a time (an address is 7-39 bytes).
  const words = start + (len & ~3);
  let h = len;
  let i = start;
  for (; i < words; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x9e3779b1);
  for (; i < stop; i++) h = Math.imul(h ^ buf[i], 0x9e3779b1);
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const at = slot * INTERN_MAX_BYTES;
  if (internLengths[slot] === len) {
    let j = at;
    for (i = start; i < words; i += 4, j += 4) if (internView.getInt32(j, true) !== view.getInt32(i, true)) break;
    if (i >= words) {
      for (; i < stop; i++, j++) if (internBytes[j] !== buf[i]) break;
      if (i === stop) return internStrings[slot]!;
    }
  }
  const s = buf.toString('utf8', start, stop);
  internStrings[slot] = s;
  internLengths[slot] = len;
  internBytes.set(buf.subarray(start, stop), at);
  return s;
}
