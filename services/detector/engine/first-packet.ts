/**
 * A new key's first packet, kept instead of the detectors' state it would create. Most keys a
 * spoofed flood brings (a random source per SYN) never send a second packet, yet each would
 * create and store the state of four detectors (2 KB live, ~450 bytes of JSON). When no
 * detector the packet is keyed to can report anything on a first packet (Detector.quietFirst),
 * the engine keeps the packet itself, in memory and as a JSON array of its fields in the
 * stored blob, and creates the states from it only when the key's second packet comes, by
 * stepping it first: the states, and so every later alert, are the ones stepping it at once
 * gives, because a quiet first step reads nothing but the packet and the configuration.
 */
import type { DetectorPacket, Packet } from '../../common/model.ts';
import { detectorPacket } from '../../common/packed-packet.ts';
import { newPacket } from '../../sensor/decode/packet-record.ts';

/**
 * Where each field of a kept packet is in its stored array: every field of Packet but arp and
 * dns, in this order. It is the layout of the blobs workers wrote before they decoded only a
 * DetectorPacket, and it stays, so that state survives an upgrade either way; the fields a
 * DetectorPacket lacks are stored as null.
 */
const FIELDS = [
  'ts', 'length', 'capLength', 'ifIndex', 'linkType', 'srcMac', 'dstMac', 'vlanIds', 'etherType', 'ipVersion', 'src', 'dst', 'protocol', 'ttl', 'ipLength',
  'fragment', 'fragmentOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'tcpAck', 'tcpWindow', 'payloadLength', 'icmpType', 'icmpCode', 'tlsSni', 'httpHost',
  'communityId', 'decodeFlags', 'smbRpc', 'victimCopy',
] as const satisfies ReadonlyArray<keyof Packet>;

/** Fails to compile when Packet gains a field that FIELDS does not place. */
type Unplaced = Exclude<keyof Packet, (typeof FIELDS)[number] | 'arp' | 'dns'>;
const everyFieldPlaced: [Unplaced] extends [never] ? true : Unplaced = true;
void everyFieldPlaced;

/** The fields a kept packet has: DetectorPacket's, but arp and dns. */
type KeptField = Exclude<keyof DetectorPacket, 'arp' | 'dns'>;
/** The stored index of each. */
const KEPT = Object.fromEntries(FIELDS.map((field, i) => [field, i])) as Record<KeptField, number>;

export type KeptPacket = unknown[];

/** The value of every field a decoder has not set. */
const DEFAULTS: Packet = newPacket(0, 0, 0, 0, 0);

/** Packets with nested records (ARP, DNS) are stepped at once: they are what quiet detectors never key anyway. */
export const keepable = (p: DetectorPacket): boolean => p.arp === null && p.dns === null;

export function keepPacket(p: DetectorPacket): KeptPacket {
  const values = new Array<unknown>(FIELDS.length).fill(null);
  // Field by field: a loop over the field names read each one by a computed name, through a
  // slow generic load of a getter (1 % of analyze). everyKeptFieldWritten checks that none is missing.
  values[KEPT.ts] = p.ts;
  values[KEPT.length] = p.length;
  values[KEPT.ipVersion] = p.ipVersion;
  values[KEPT.src] = p.src;
  values[KEPT.dst] = p.dst;
  values[KEPT.protocol] = p.protocol;
  values[KEPT.ipLength] = p.ipLength;
  values[KEPT.fragment] = p.fragment;
  values[KEPT.fragmentOffset] = p.fragmentOffset;
  values[KEPT.srcPort] = p.srcPort;
  values[KEPT.dstPort] = p.dstPort;
  values[KEPT.tcpFlags] = p.tcpFlags;
  values[KEPT.payloadLength] = p.payloadLength;
  values[KEPT.icmpType] = p.icmpType;
  values[KEPT.icmpCode] = p.icmpCode;
  values[KEPT.communityId] = p.communityId;
  values[KEPT.smbRpc] = p.smbRpc;
  values[KEPT.victimCopy] = p.victimCopy;
  return values;
}

/** The fields keepPacket writes, one by one above. */
type Written = 'ts' | 'length' | 'ipVersion' | 'src' | 'dst' | 'protocol' | 'ipLength' | 'fragment' | 'fragmentOffset' | 'srcPort' | 'dstPort' | 'tcpFlags' | 'payloadLength' | 'icmpType' | 'icmpCode' | 'communityId' | 'smbRpc' | 'victimCopy';
/** Fails to compile when DetectorPacket gains a field to keep that keepPacket does not write. */
type Unwritten = Exclude<KeptField, Written>;
const everyKeptFieldWritten: [Unwritten] extends [never] ? true : Unwritten = true;
void everyKeptFieldWritten;

/** A kept packet as the detectors read it: the class of a packet a worker decodes (a plain object for values it cannot pack). */
export function keptPacket(values: KeptPacket): DetectorPacket {
  // A packet kept before a field was added has fewer values: the rest take the decoders' default.
  const v = <F extends KeptField>(field: F): DetectorPacket[F] => (KEPT[field] < values.length ? values[KEPT[field]] : DEFAULTS[field]) as DetectorPacket[F];
  return detectorPacket(
    v('ts'), v('length'), v('ipVersion'), v('src'), v('dst'), v('protocol'), v('ipLength'), v('fragment'), v('fragmentOffset'), v('srcPort'), v('dstPort'), v('tcpFlags'),
    v('payloadLength'), v('icmpType'), v('icmpCode'), null, null, v('communityId'), v('smbRpc'), v('victimCopy'),
  );
}
