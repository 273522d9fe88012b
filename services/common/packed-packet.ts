/**
 * A DetectorPacket in 10 fields instead of 20: its twelve small integer and boolean fields
 * packed into four 32-bit words, its timestamp as whole seconds and microseconds (two small
 * integers instead of a heap number), and its four mostly null fields (arp, dns, communityId,
 * smbRpc) in one object only when one is set, all read through getters. The worker's decoder,
 * `analyze` and a revived first packet build DetectorPackets with detectorPacket(), which gives
 * one of these, or a plain object for values out of range (no sensor of ours sends those).
 *
 * Why: a worker's step holds its 16,000 decoded packets from decoding to commit, across Redis
 * round trips, so they survive scavenges and are copied, and `analyze` holds a batch's worth per
 * partition. A plain object of 20 fields takes 200 bytes on a 64-bit heap with its timestamp's
 * heap number, this one 104; ten fields more cost the worker path 10 % more CPU and a quarter
 * more collector time (docs/performance.md, session 13). The getters are inlined where the
 * detectors read them (one class, one shape).
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

/** A PackedPacket of these values, or null if one does not fit its bits. */
export const packedPacket: OfFields<PackedPacket | null> = (ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) => {
  const version = versionCode(ipVersion);
  if (
    version < 0 ||
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
    return null;
  }
  const w0 = (srcPort + 1) | (tcpFlags << FLAGS_SHIFT) | (version << VERSION_SHIFT) | (fragment ? FRAGMENT_BIT : 0) | (victimCopy ? VICTIM_COPY_BIT : 0);
  const w1 = (dstPort + 1) | ((protocol + 1) << PROTOCOL_SHIFT);
  const w2 = (icmpType + 1) | ((icmpCode + 1) << ICMP_CODE_SHIFT) | (fragmentOffset << FRAGMENT_OFFSET_SHIFT);
  const w3 = ipLength | (payloadLength << 16);
  const seconds = Math.floor(ts / 1e6);
  const extras = arp === null && dns === null && communityId === null && smbRpc === null ? null : { arp, dns, communityId, smbRpc };
  return new PackedPacket(seconds, ts - seconds * 1e6, length, src, dst, extras, w0, w1, w2, w3);
};

/** A DetectorPacket of these values: a PackedPacket, or a plain object (its fields in DETECTOR_PACKET_FIELDS order) for values that do not fit its bits. */
export const detectorPacket: OfFields<DetectorPacket> = (ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) =>
  packedPacket(ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy) ??
  { ts, length, ipVersion, src, dst, protocol, ipLength, fragment, fragmentOffset, srcPort, dstPort, tcpFlags, payloadLength, icmpType, icmpCode, arp, dns, communityId, smbRpc, victimCopy };
