/**
 * BSD loopback encapsulations: LINKTYPE_NULL carries the address family in the byte order of
 * the host that wrote the file, LINKTYPE_LOOP in network byte order. AF_INET6 differs between
 * systems (10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { u32be, u32le } from './bytes.ts';

export function decodeNull(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 4) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  let family = u32le(buf, off);
  // A writer of the other byte order puts the family in the high bytes.
  if (family > 0xffff) family = u32be(buf, off);
  decodeFamily(p, buf, off + 4, end, family);
}

export function decodeLoop(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 4) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  decodeFamily(p, buf, off + 4, end, u32be(buf, off));
}

function decodeFamily(p: Packet, buf: Buffer, off: number, end: number, family: number): void {
  if (family === 2) {
    p.etherType = 0x0800;
    decodeIpv4(p, buf, off, end);
  } else if (family === 10 || family === 24 || family === 28 || family === 30) {
    p.etherType = 0x86dd;
    decodeIpv6(p, buf, off, end);
  } else {
    p.decodeFlags |= DecodeFlag.Unsupported;
  }
}
