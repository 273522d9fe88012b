/**
 * Dispatch on the IP protocol number to the transport decoder. `end` is where the captured
 * bytes of this IP packet stop; `l4Length` is the transport length the IP header claims.
 */
import type { Packet } from '../../common/model.ts';
import { decodeIcmp } from './icmp.ts';
import { decodeIcmpv6 } from './icmpv6.ts';
import { decodeTcp } from './tcp.ts';
import { decodeUdp } from './udp.ts';

export function decodeTransport(p: Packet, protocol: number, buf: Buffer, off: number, end: number, l4Length: number): void {
  switch (protocol) {
    case 6:
      decodeTcp(p, buf, off, end, l4Length);
      return;
    case 17:
      decodeUdp(p, buf, off, end, l4Length);
      return;
    case 1:
      decodeIcmp(p, buf, off, end, l4Length);
      return;
    case 58:
      decodeIcmpv6(p, buf, off, end, l4Length);
      return;
    default:
      p.payloadLength = l4Length > 0 ? l4Length : 0;
  }
}
