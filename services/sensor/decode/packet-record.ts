/**
 * The one place a Packet object is created, with every field in the schema's order so that
 * all packets share one hidden class (the decoders and the Avro encoder stay monomorphic).
 */
import type { Packet } from '../../common/model.ts';

/** Shared by every untagged packet: most frames have no VLAN tag and need no array of their own. */
export const NO_VLANS: number[] = Object.freeze([]) as unknown as number[];

export function newPacket(linkType: number, length: number, capLength: number, ts: number, ifIndex: number): Packet {
  return {
    ts,
    length,
    capLength,
    ifIndex,
    linkType,
    srcMac: '',
    dstMac: '',
    vlanIds: NO_VLANS,
    etherType: 0,
    ipVersion: 0,
    src: '',
    dst: '',
    protocol: -1,
    ttl: 0,
    ipLength: 0,
    fragment: false,
    fragmentOffset: 0,
    srcPort: -1,
    dstPort: -1,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    tcpWindow: 0,
    payloadLength: 0,
    icmpType: -1,
    icmpCode: -1,
    arp: null,
    dns: null,
    tlsSni: null,
    httpHost: null,
    communityId: null,
    decodeFlags: 0,
  };
}
