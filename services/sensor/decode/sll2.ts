/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2): 20 bytes, protocol first, then the interface index. */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeSllProtocol } from './sll.ts';
import { macText } from './text.ts';
import { u16be } from './bytes.ts';

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;

export function decodeSll2(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 20) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const hatype = u16be(buf, off + 8);
  const halen = buf[off + 11];
  if (halen === 6 && (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK)) p.srcMac = macText(buf, off + 12);
  decodeSllProtocol(p, buf, off + 20, end, u16be(buf, off));
}
