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
import type { Packet } from '../../common/model.ts';
import { newPacket } from '../../sensor/decode/packet-record.ts';

/** Every field of Packet but arp and dns (a packet with either is never kept: see keepable). */
const FIELDS = [
  'ts', 'length', 'capLength', 'ifIndex', 'linkType', 'srcMac', 'dstMac', 'vlanIds', 'etherType', 'ipVersion', 'src', 'dst', 'protocol', 'ttl', 'ipLength',
  'fragment', 'fragmentOffset', 'srcPort', 'dstPort', 'tcpFlags', 'tcpSeq', 'tcpAck', 'tcpWindow', 'payloadLength', 'icmpType', 'icmpCode', 'tlsSni', 'httpHost',
  'communityId', 'decodeFlags', 'smbRpc', 'victimCopy',
] as const satisfies ReadonlyArray<keyof Packet>;

/** Fails to compile when Packet gains a field that FIELDS does not keep. */
type Unkept = Exclude<keyof Packet, (typeof FIELDS)[number] | 'arp' | 'dns'>;
const everyFieldKept: [Unkept] extends [never] ? true : Unkept = true;
void everyFieldKept;

export type KeptPacket = unknown[];

/** The value of every field a decoder has not set. */
const DEFAULTS: Packet = newPacket(0, 0, 0, 0, 0);

/** Packets with nested records (ARP, DNS) are stepped at once: they are what quiet detectors never key anyway. */
export const keepable = (p: Packet): boolean => p.arp === null && p.dns === null;

export function keepPacket(p: Packet): KeptPacket {
  const values = new Array<unknown>(FIELDS.length);
  for (let i = 0; i < FIELDS.length; i++) values[i] = p[FIELDS[i]];
  return values;
}

export function keptPacket(values: KeptPacket): Packet {
  const p: Record<string, unknown> = { arp: null, dns: null };
  // A packet kept before a field was added has fewer values: the rest take the decoders' default.
  for (let i = 0; i < FIELDS.length; i++) p[FIELDS[i]] = i < values.length ? values[i] : DEFAULTS[FIELDS[i]];
  return p as unknown as Packet;
}
