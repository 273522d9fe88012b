/**
 * The one place a Packet object is created, with every field in the schema's order so that
 * all packets share one hidden class (the decoders and the Avro encoder stay monomorphic).
 */
import { NO_VLANS, type Packet } from '../../common/model.ts';

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
    smbRpc: null,
    victimCopy: false,
  };
}

/**
 * Makes p a fresh packet again (every field as newPacket sets it), for the paths that decode
 * into one reused Packet instead of allocating one per frame.
 */
export function resetPacket(p: Packet, linkType: number, length: number, capLength: number, ts: number, ifIndex: number): void {
  p.ts = ts;
  p.length = length;
  p.capLength = capLength;
  p.ifIndex = ifIndex;
  p.linkType = linkType;
  p.srcMac = '';
  p.dstMac = '';
  p.vlanIds = NO_VLANS;
  p.etherType = 0;
  p.ipVersion = 0;
  p.src = '';
  p.dst = '';
  p.protocol = -1;
  p.ttl = 0;
  p.ipLength = 0;
  p.fragment = false;
  p.fragmentOffset = 0;
  p.srcPort = -1;
  p.dstPort = -1;
  p.tcpFlags = 0;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpWindow = 0;
  p.payloadLength = 0;
  p.icmpType = -1;
  p.icmpCode = -1;
  p.arp = null;
  p.dns = null;
  p.tlsSni = null;
  p.httpHost = null;
  p.communityId = null;
  p.decodeFlags = 0;
  p.smbRpc = null;
  p.victimCopy = false;
}

/**
 * The victim copy of p (Packet.victimCopy): a packet of its own, every other field the same, built
 * as one literal in the schema's order (Object.assign onto a new packet cost three times as much).
 */
export function victimCopyOf(p: Packet): Packet {
  return {
    ts: p.ts,
    length: p.length,
    capLength: p.capLength,
    ifIndex: p.ifIndex,
    linkType: p.linkType,
    srcMac: p.srcMac,
    dstMac: p.dstMac,
    vlanIds: p.vlanIds,
    etherType: p.etherType,
    ipVersion: p.ipVersion,
    src: p.src,
    dst: p.dst,
    protocol: p.protocol,
    ttl: p.ttl,
    ipLength: p.ipLength,
    fragment: p.fragment,
    fragmentOffset: p.fragmentOffset,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    tcpFlags: p.tcpFlags,
    tcpSeq: p.tcpSeq,
    tcpAck: p.tcpAck,
    tcpWindow: p.tcpWindow,
    payloadLength: p.payloadLength,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    arp: p.arp,
    dns: p.dns,
    tlsSni: p.tlsSni,
    httpHost: p.httpHost,
    communityId: p.communityId,
    decodeFlags: p.decodeFlags,
    smbRpc: p.smbRpc,
    victimCopy: true,
  };
}
