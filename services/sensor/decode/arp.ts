/** ARP for Ethernet / IPv4 (the only kind the detectors reason about); other kinds are flagged unsupported. */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { ipv4Text, macText } from './text.ts';
import { u16be } from './bytes.ts';

export function decodeArp(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 8) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const hlen = buf[off + 4];
  const plen = buf[off + 5];
  if (hlen !== 6 || plen !== 4 || u16be(buf, off + 2) !== 0x0800) {
    p.decodeFlags |= DecodeFlag.Unsupported;
    return;
  }
  if (end - off < 28) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  p.arp = {
    op: u16be(buf, off + 6),
    senderMac: macText(buf, off + 8),
    senderIp: ipv4Text(buf, off + 14),
    targetMac: macText(buf, off + 18),
    targetIp: ipv4Text(buf, off + 24),
  };
}
