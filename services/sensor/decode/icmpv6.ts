/** ICMPv6: type and code; the payload length counts what follows the 8-byte header (as for ICMP). */
import { DecodeFlag, type Packet } from '../../common/model.ts';

export function decodeIcmpv6(p: Packet, buf: Buffer, off: number, end: number, l4Length: number): void {
  if (end - off < 2) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  p.icmpType = buf[off];
  p.icmpCode = buf[off + 1];
  p.payloadLength = l4Length > 8 ? l4Length - 8 : 0;
}
