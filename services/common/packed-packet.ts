/**
 * A DetectorPacket in 10 fields instead of 20: its twelve small integer and boolean fields
 * packed into four 32-bit words, its timestamp as whole seconds and microseconds (two small
 * integers instead of a heap number), and its four mostly null fields (arp, dns, communityId,
 * smbRpc) in one object only when one is set, all read through getters. The worker's decoder
 * and `analyze` hold a batch's packets packed in columns (PackedPackets, below) and hand the
 * engine one PackedPacket pointed at each packet in turn; a revived first packet is built with
 * detectorPacket(), which gives one of these, or a plain object for values out of range (no
 * sensor of ours sends those).
 *
 * Why: a worker's step holds its 16,000 decoded packets from decoding to commit, across Redis
 * round trips, so they survive scavenges and are copied, and `analyze` holds a batch's worth per
 * partition. A plain object of 20 fields takes 200 bytes on a 64-bit heap with its timestamp's
 * heap number, this one 104; ten fields more cost the worker path 10 % more CPU and a quarter
 * more collector time (docs/performance.md, session 13); in columns, seven 32-bit words off the
 * heap and three array slots (session 15). The getters are inlined where the detectors read them
 * (one class, one shape).
 */
import type { ArpInfo, DetectorPacket, DnsInfo } from './model.ts';

// w0: srcPort + 1 (17 bits) | tcpFlags (9) | IP version code (2) | fragment (1) | victimCopy (1)
// w1: dstPort + 1 (17 bits) | protocol + 1 (9)
// w2: icmpType + 1 (9 bits) | icmpCode + 1 (9) | fragmentOffset (13)
// w3: ipLength (16 bits) | payloadLength (16), as a signed 32-bit int
const FLAGS_SHIFT = 17;
const VERSION_SHIFT = 26;
const FRAGMENT_BIT = 1 << 28;
const VICTIM_COPY_BIT = 1 << 29;
const PROTOCOL_SHIFT = 17;
const ICMP_CODE_SHIFT = 9;
const FRAGMENT_OFFSET_SHIFT = 18;
/** Timestamps (µs) whose whole seconds fit a positive 32-bit int: until 2038. */
const MAX_TS = 2 ** 31 * 1e6;

/** IP versions by their 2-bit code, and back. */
const VERSIONS = [0, 4, 6];
const versionCode = (ipVersion: number): number => (ipVersion === 0 ? 0 : ipVersion === 4 ? 1 : ipVersion === 6 ? 2 : -1);

/** The fields most packets leave null, together (one shape). */
interface Extras {
  readonly arp: ArpInfo | null;
  readonly dns: DnsInfo | null;
  readonly communityId: string | null;
  readonly smbRpc: string | null;
}

export class PackedPacket implements DetectorPacket {
  constructor(
    /** Whole seconds of ts. */
    private readonly s: number,
    /** Microseconds of ts past s. */
    private readonly u: number,
    readonly length: number,
    readonly src: string,
    readonly dst: string,
    private readonly x: Extras | null,
    private readonly w0: number,
    private readonly w1: number,
    private readonly w2: number,
    private readonly w3: number,
  ) {}

  get ts(): number {
    return this.s * 1e6 + this.u;
  }

  get arp(): ArpInfo | null {
    return this.x === null ? null : this.x.arp;
  }

  get dns(): DnsInfo | null {
    return this.x === null ? null : this.x.dns;
  }

  get communityId(): string | null {
    return this.x === null ? null : this.x.communityId;
  }

  get smbRpc(): string | null {
    return this.x === null ? null : this.x.smbRpc;
  }

  get srcPort(): number {
    return (this.w0 & 0x1ffff) - 1;
  }

  get tcpFlags(): number {
    return (this.w0 >>> FLAGS_SHIFT) & 0x1ff;
  }

  get ipVersion(): number {
    return VERSIONS[(this.w0 >>> VERSION_SHIFT) & 3];
  }

  get fragment(): boolean {
    return (this.w0 & FRAGMENT_BIT) !== 0;
  }

  get victimCopy(): boolean {
    return (this.w0 & VICTIM_COPY_BIT) !== 0;
  }

  get dstPort(): number {
    return (this.w1 & 0x1ffff) - 1;
  }

  get protocol(): number {
    return (this.w1 >>> PROTOCOL_SHIFT) - 1;
  }

  get icmpType(): number {
    return (this.w2 & 0x1ff) - 1;
  }

  get icmpCode(): number {
    return ((this.w2 >>> ICMP_CODE_SHIFT) & 0x1ff) - 1;
  }

  get fragmentOffset(): number {
    return this.w2 >>> FRAGMENT_OFFSET_SHIFT;
  }

  get ipLength(): number {
    return this.w3 & 0xffff;
  }

  get payloadLength(): number {
    return this.w3 >>> 16;
  }
}

const inRange = (value: number, low: number, high: number): boolean => Number.isInteger(value) && value >= low && value <= high;

/** A function of a DetectorPacket's field values, in DETECTOR_PACKET_FIELDS order. */
type OfFields<R> = (
  ts: number,
  length: number,
  ipVersion: number,
  src: string,
  dst: string,
  protocol: number,
  ipLength: number,
  fragment: boolean,
  fragmentOffset: number,
  srcPort: number,
  dstPort: number,
  tcpFlags: number,
  payloadLength: number,
  icmpType: number,
  icmpCode: number,
  arp: ArpInfo | null,
  dns: DnsInfo | null,
  communityId: string | null,
  smbRpc: string | null,
  victimCopy: boolean,
) => R;

/** Words per packet in PackedPackets.words: s, u, length, w0, w1, w2, w3. */
const WORDS = 7;

/** packInto's answer for values that do not fit. */
const UNFIT = undefined;

/**
 * Writes the values' seven words into words[at..at + 7) and returns their extras object (null
 * when arp, dns, communityId and smbRpc are all null), or UNFIT, writing nothing, if one does not
 * fit its bits. (Into an array, not module variables: those cost a slot store and a check on
 * every access, for every packet.)
 */
const packInto: (words: Int32Array, at: number, ...fields: Parameters<OfFields<void>>) => Extras | null | typeof UNFIT = (words, at, ts, length, ipVersion, _src, _dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) => {
  const version = versionCode(ipVersion);
  if (
    version < 0 ||
    length !== (length | 0) ||
    !inRange(ts, 0, MAX_TS - 1) ||
    !inRange(srcPort, -1, 65535) ||
    !inRange(dstPort, -1, 65535) ||
    !inRange(protocol, -1, 255) ||
    !inRange(tcpFlags, 0, 511) ||
    !inRange(icmpType, -1, 255) ||
    !inRange(icmpCode, -1, 255) ||
    !inRange(fragmentOffset, 0, 8191) ||
    !inRange(ipLength, 0, 65535) ||
    !inRange(payloadLength, 0, 65535)
  ) {
    return UNFIT;
  }
  const seconds = Math.floor(ts / 1e6);
  words[at] = seconds;
  words[at + 1] = ts - seconds * 1e6;
  words[at + 2] = length;
  words[at + 3] = (srcPort + 1) | (tcpFlags << FLAGS_SHIFT) | (version << VERSION_SHIFT) | (fragment ? FRAGMENT_BIT : 0) | (victimCopy ? VICTIM_COPY_BIT : 0);
  words[at + 4] = (dstPort + 1) | ((protocol + 1) << PROTOCOL_SHIFT);
  words[at + 5] = (icmpType + 1) | ((icmpCode + 1) << ICMP_CODE_SHIFT) | (fragmentOffset << FRAGMENT_OFFSET_SHIFT);
  words[at + 6] = ipLength | (payloadLength << 16);
  return arp === null && dns === null && communityId === null && smbRpc === null ? null : { arp, dns, communityId, smbRpc };
};

/** packedPacket's words. */
const scratch = new Int32Array(WORDS);

/** A PackedPacket of these values, or null if one does not fit its bits. */
export const packedPacket: OfFields<PackedPacket | null> = (ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) => {
  const x = packInto(scratch, 0, ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy);
  if (x === UNFIT) return null;
  const w = scratch;
  return new PackedPacket(w[0], w[1], length, src, dst, x, w[3], w[4], w[5], w[6]);
};

/** PackedPacket's fields, writable: PackedPackets points its cursor at packet after packet. */
type Cursor = { -readonly [K in 's' | 'u' | 'length' | 'src' | 'dst' | 'x' | 'w0' | 'w1' | 'w2' | 'w3']: unknown };

/**
 * Many packets packed as PackedPacket packs one, in columns: their numbers in one Int32Array
 * (off the JavaScript heap), their addresses and extras in three arrays. A worker's step holds
 * its decoded packets from decoding to commit, across Redis round trips, so packets as objects
 * (2,000 a message) lived through scavenges, were copied and then marked by full collections;
 * a message's packets in columns are four objects.
 *
 * at(i) gives packet i through one PackedPacket that it points at each packet in turn (a
 * cursor): valid until the next at() of the same PackedPackets, and never to be kept; copy(i)
 * gives one to keep. Detectors see PackedPacket, the class analyze's packets have too.
 */
export class PackedPackets {
  private words: Int32Array;
  private srcs: string[];
  private dsts: string[];
  private extras: Array<Extras | null>;
  /** Packets with a value PackedPacket's bits cannot hold, as plain objects by index (none from our sensors). */
  private others: Map<number, DetectorPacket> | null = null;
  private count = 0;
  private readonly cursor = new PackedPacket(0, 0, 0, '', '', null, 0, 0, 0, 0);

  constructor(capacity: number) {
    const n = Math.max(1, capacity);
    this.words = new Int32Array(n * WORDS);
    this.srcs = new Array<string>(n);
    this.dsts = new Array<string>(n);
    this.extras = new Array<Extras | null>(n);
  }

  get length(): number {
    return this.count;
  }

  /** Appends a packet of these values. */
  readonly push: OfFields<void> = (ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) => {
    const i = this.count;
    if (i === this.srcs.length) this.grow();
    const x = packInto(this.words, i * WORDS, ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy);
    if (x === UNFIT) {
      (this.others ??= new Map()).set(i, { ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy });
      this.srcs[i] = src;
      this.dsts[i] = dst;
      this.extras[i] = null;
      this.count = i + 1;
      return;
    }
    this.srcs[i] = src;
    this.dsts[i] = dst;
    this.extras[i] = x;
    this.count = i + 1;
  };

  /** Appends p's DetectorPacket fields, victimCopy as given (p may be reused once this returns). */
  append(p: DetectorPacket, victimCopy: boolean): void {
    this.push(p.ts, p.length, p.ipVersion, p.src, p.dst, p.protocol, p.ipLength, p.fragment, p.fragmentOffset, p.srcPort, p.dstPort, p.tcpFlags, p.payloadLength, p.icmpType, p.icmpCode, p.arp, p.dns, p.communityId, p.smbRpc, victimCopy);
  }

  /** Empties it for reuse (its columns stay allocated). */
  clear(): void {
    this.count = 0;
    this.others = null;
  }

  /** Packet i through the cursor (see the class comment), or the plain object of one PackedPacket cannot hold. */
  at(i: number): DetectorPacket {
    if (this.others !== null) {
      const other = this.others.get(i);
      if (other !== undefined) return other;
    }
    const c = this.cursor as unknown as Cursor;
    const w = this.words;
    const at = i * WORDS;
    c.s = w[at];
    c.u = w[at + 1];
    c.length = w[at + 2];
    c.w0 = w[at + 3];
    c.w1 = w[at + 4];
    c.w2 = w[at + 5];
    c.w3 = w[at + 6];
    c.src = this.srcs[i];
    c.dst = this.dsts[i];
    c.x = this.extras[i];
    return this.cursor;
  }

  /** Packet i as an object of its own (a PackedPacket, or the plain object of one it cannot hold). */
  copy(i: number): DetectorPacket {
    const other = this.others?.get(i);
    if (other !== undefined) return other;
    const w = this.words;
    const at = i * WORDS;
    return new PackedPacket(w[at], w[at + 1], w[at + 2], this.srcs[i], this.dsts[i], this.extras[i], w[at + 3], w[at + 4], w[at + 5], w[at + 6]);
  }

  /** Every packet, each an object of its own. */
  toArray(): DetectorPacket[] {
    return Array.from({ length: this.count }, (_, i) => this.copy(i));
  }

  private grow(): void {
    const n = this.srcs.length * 2;
    const words = new Int32Array(n * WORDS);
    words.set(this.words);
    this.words = words;
    this.srcs.length = n;
    this.dsts.length = n;
    this.extras.length = n;
  }
}

/** A DetectorPacket of these values: a PackedPacket, or a plain object (its fields in DETECTOR_PACKET_FIELDS order) for values that do not fit its bits. */
export const detectorPacket: OfFields<DetectorPacket> = (ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) =>
  packedPacket(ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) ??
  { ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy };
