/** Raw IP link types: the version nibble of the first byte says IPv4 or IPv6. */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';

export function decodeRaw(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 1) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const version = buf[off] >> 4;
  if (version === 4) {
    p.etherType = 0x0800;
    decodeIpv4(p, buf, off, end);
  } else if (version === 6) {
    p.etherType = 0x86dd;
    decodeIpv6(p, buf, off, end);
  } else {
    p.decodeFlags |= DecodeFlag.Malformed;
  }
}
