/** UDP: ports and payload length; DNS on 53, mDNS (5353) and LLMNR (5355). */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeDns, isDnsPort } from './dns.ts';
import { u16be } from './bytes.ts';

export function decodeUdp(p: Packet, buf: Buffer, off: number, end: number, l4Length: number): void {
  if (end - off < 4) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const srcPort = u16be(buf, off);
  const dstPort = u16be(buf, off + 2);
  p.srcPort = srcPort;
  p.dstPort = dstPort;
  if (l4Length < 8) {
    p.decodeFlags |= DecodeFlag.Malformed;
    return;
  }
  p.payloadLength = l4Length - 8;
  if (end - off < 8) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  if (l4Length > 8 && (isDnsPort(srcPort) || isDnsPort(dstPort))) decodeDns(p, buf, off + 8, end);
}
