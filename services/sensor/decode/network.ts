/**
 * Dispatch on the EtherType after the link layer (and its VLAN tags) to the network decoder.
 * Shared by Ethernet, Linux SLL/SLL2 and the loopback encapsulations.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeArp } from './arp.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { u16be } from './bytes.ts';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  IPV6: 0x86dd,
} as const;

/** Walks 802.1Q / 802.1ad tags starting at off (type is the EtherType before them), then decodes the network layer. */
export function decodeEtherPayload(p: Packet, buf: Buffer, off: number, end: number, type: number): void {
  let vlans: number[] | null = null;
  while (type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD) {
    if (end - off < 4) {
      p.decodeFlags |= DecodeFlag.Truncated;
      if (vlans !== null) p.vlanIds = vlans;
      return;
    }
    if (vlans === null) vlans = [];
    vlans.push(u16be(buf, off) & 0x0fff);
    type = u16be(buf, off + 2);
    off += 4;
  }
  if (vlans !== null) p.vlanIds = vlans;
  decodeNetwork(p, buf, off, end, type);
}

export function decodeNetwork(p: Packet, buf: Buffer, off: number, end: number, type: number): void {
  switch (type) {
    case EtherType.IPV4:
      p.etherType = type;
      decodeIpv4(p, buf, off, end);
      return;
    case EtherType.IPV6:
      p.etherType = type;
      decodeIpv6(p, buf, off, end);
      return;
    case EtherType.ARP:
      p.etherType = type;
      decodeArp(p, buf, off, end);
      return;
    default:
      // 802.3 length fields (<= 1500) are not EtherTypes: LLC frames have no network type here.
      p.etherType = type > 1500 ? type : 0;
      p.decodeFlags |= DecodeFlag.Unsupported;
  }
}
