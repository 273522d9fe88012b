/** Ethernet II (DIX) header, then VLAN tags and the network layer. */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeEtherPayload } from './network.ts';
import { macText } from './text.ts';
import { u16be } from './bytes.ts';

export function decodeEthernet(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 14) {
    p.decodeFlags |= DecodeFlag.Truncated;
    if (end - off >= 6) p.dstMac = macText(buf, off);
    if (end - off >= 12) p.srcMac = macText(buf, off + 6);
    return;
  }
  p.dstMac = macText(buf, off);
  p.srcMac = macText(buf, off + 6);
  decodeEtherPayload(p, buf, off + 14, end, u16be(buf, off + 12));
}
