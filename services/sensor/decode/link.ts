/**
 * Dispatch on the libpcap link type of a frame to the decoder of its first header.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeNull, decodeLoop } from './null.ts';
import { decodeRaw } from './raw.ts';
import { decodeSll } from './sll.ts';
import { decodeSll2 } from './sll2.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OPENBSD: 12,
  RAW_BSD: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export function decodeLink(p: Packet, linkType: number, buf: Buffer, off: number, end: number): void {
  switch (linkType) {
    case LinkType.ETHERNET:
      decodeEthernet(p, buf, off, end);
      return;
    case LinkType.LINUX_SLL:
      decodeSll(p, buf, off, end);
      return;
    case LinkType.LINUX_SLL2:
      decodeSll2(p, buf, off, end);
      return;
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.RAW_BSD:
      decodeRaw(p, buf, off, end);
      return;
    case LinkType.IPV4:
      p.etherType = 0x0800;
      decodeIpv4(p, buf, off, end);
      return;
    case LinkType.IPV6:
      p.etherType = 0x86dd;
      decodeIpv6(p, buf, off, end);
      return;
    case LinkType.NULL:
      decodeNull(p, buf, off, end);
      return;
    case LinkType.LOOP:
      decodeLoop(p, buf, off, end);
      return;
    default:
      p.decodeFlags |= DecodeFlag.Unsupported;
  }
}
