/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, "any" device): 16 bytes, the source link
 * address only, the protocol in network byte order.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeEtherPayload } from './network.ts';
import { macText } from './text.ts';
import { u16be } from './bytes.ts';

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;

export function decodeSll(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 16) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const hatype = u16be(buf, off + 2);
  const halen = u16be(buf, off + 4);
  if (halen === 6 && (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK)) p.srcMac = macText(buf, off + 6);
  decodeSllProtocol(p, buf, off + 16, end, u16be(buf, off + 14));
}

/** SLL protocol values below 0x0600 are Linux pseudo protocols (802.2 LLC, 802.3 ...), not EtherTypes. */
export function decodeSllProtocol(p: Packet, buf: Buffer, off: number, end: number, protocol: number): void {
  if (protocol < 0x0600) {
    p.decodeFlags |= DecodeFlag.Unsupported;
    return;
  }
  decodeEtherPayload(p, buf, off, end, protocol);
}
