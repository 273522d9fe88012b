/**
 * The records that cross process boundaries, as TypeScript sees them. They mirror the Avro
 * schemas in schemas/*.avsc field for field (test/unit/common/model.test.ts checks that).
 */
import type { PackedPackets } from './packed-packet.ts';

export interface ArpInfo {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export interface DnsInfo {
  id: number;
  response: boolean;
  opcode: number;
  rcode: number;
  qname: string;
  qtype: number;
  questionCount: number;
  answerCount: number;
  minTtl: number;
  maxTtl: number;
  answerBytes: number;
}

/** Bits of Packet.decodeFlags. */
export const DecodeFlag = {
  Truncated: 1,
  Malformed: 2,
  Unsupported: 4,
} as const;

/** TCP flag bits of Packet.tcpFlags. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  NS: 0x100,
} as const;

/**
 * The vlanIds of every untagged packet, shared (frozen): most frames carry no VLAN tag, and an
 * empty array of their own per packet was 3 % of what a worker allocated.
 */
export const NO_VLANS: number[] = Object.freeze([]) as unknown as number[];

export interface Packet {
  /** Microseconds since the epoch (event time). */
  ts: number;
  length: number;
  capLength: number;
  ifIndex: number;
  linkType: number;
  srcMac: string;
  dstMac: string;
  vlanIds: number[];
  etherType: number;
  ipVersion: number;
  src: string;
  dst: string;
  protocol: number;
  ttl: number;
  ipLength: number;
  fragment: boolean;
  fragmentOffset: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWindow: number;
  payloadLength: number;
  icmpType: number;
  icmpCode: number;
  arp: ArpInfo | null;
  dns: DnsInfo | null;
  tlsSni: string | null;
  httpHost: string | null;
  communityId: string | null;
  decodeFlags: number;
  /**
   * The Windows remote-administration request the packet starts (sensor/decode/smb-rpc.ts):
   * 'share:<NAME>' (SMB2 TREE_CONNECT, SMB1 TREE_CONNECT_ANDX) or 'bind:<uuid>' (DCE-RPC bind);
   * null otherwise.
   */
  smbRpc: string | null;
  /**
   * True for the copy of a packet that the sensor also sends to its destination's partition
   * (sensor/victim-copies.ts), read only by the detectors that judge a victim (distributed
   * floods); false for the packet itself, in its source's partition.
   */
  victimCopy: boolean;
}

/**
 * The fields of a Packet that the detectors and their engine read. A worker decodes only these
 * (serde/packet-batch-decoder.ts): a step holds its packets from their decoding to its commit,
 * and objects of 20 fields instead of 34 cost the garbage collector less; the decoder, `analyze`
 * and a revived first packet build them as a PackedPacket (common/packed-packet.ts), whose small
 * fields share four words. A Packet is one too.
 */
export type DetectorPacket = Pick<Packet, (typeof DETECTOR_PACKET_FIELDS)[number]>;

/** DetectorPacket's fields, in the order a plain DetectorPacket object has them (one hidden class). */
export const DETECTOR_PACKET_FIELDS = [
  'ts', 'length', 'ipVersion', 'src', 'dst', 'protocol', 'ipLength', 'fragment', 'fragmentOffset', 'srcPort', 'dstPort', 'tcpFlags', 'payloadLength', 'icmpType', 'icmpCode',
  'arp', 'dns', 'communityId', 'smbRpc', 'victimCopy',
] as const satisfies ReadonlyArray<keyof Packet>;

/**
 * A PacketBatch as the detectors read it: its packets as objects, or packed in columns (a
 * worker's decoder: packed-packet.ts PackedPackets).
 */
export interface DetectorBatch extends Omit<PacketBatch, 'packets'> {
  packets: DetectorPacket[] | PackedPackets;
}

export interface PacketBatch {
  sensorId: string;
  sensorHost: string;
  batchSeq: number;
  packets: Packet[];
}

export interface Heartbeat {
  sensorId: string;
  hostname: string;
  os: string;
  addresses: string[];
  mode: string;
  input: string;
  version: string;
  ts: number;
  startTime: number;
  packetsSeen: number;
  packetsPublished: number;
  packetsDropped: number;
  bytesSeen: number;
  status: string;
}

export const CATEGORIES = [
  'port_scan',
  'host_sweep',
  'syn_flood',
  'icmp_flood',
  'suspicious_port',
  'arp_spoofing',
  'dns_tunnelling',
  'data_exfiltration',
  'brute_force',
  'c2_beaconing',
  'tor_usage',
  'lateral_movement',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const VERDICTS = ['UNKNOWN', 'CLEAN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface Mitre {
  tactic: string;
  tacticId: string;
  technique: string;
  techniqueId: string;
}

export interface Evidence {
  count: number;
  threshold: number;
  baseThreshold: number;
  windowSeconds: number;
  unit: string;
  details: Record<string, string>;
}

export interface IntelVerdict {
  verdict: Verdict;
  entity: string;
  source: string;
  malicious: number;
  suspicious: number;
  reputation: number;
  multiplier: number;
}

export interface Alert {
  id: string;
  revision: number;
  /** Milliseconds since the epoch (event time of this revision). */
  ts: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  category: Category;
  severity: Severity;
  title: string;
  mitre: Mitre;
  src: string;
  dst: string | null;
  srcPort: number | null;
  dstPort: number | null;
  protocol: number | null;
  communityId: string | null;
  evidence: Evidence;
  intel: IntelVerdict;
  sensorId: string;
  sensorHost: string;
  detector: string;
}
