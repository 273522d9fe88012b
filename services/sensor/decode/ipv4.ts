/**
 * IPv4: addresses, TTL, lengths, fragments. The transport header is decoded only in the
 * first fragment; the IP total length (not the captured length, which may include Ethernet
 * padding) bounds the transport decoders.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeTransport } from './transport.ts';
import { ipv4Text } from './text.ts';
import { u16be } from './bytes.ts';

export function decodeIpv4(p: Packet, buf: Buffer, off: number, end: number): void {
  p.ipVersion = 4;
  if (end - off < 20) {
    p.decodeFlags |= DecodeFlag.Truncated;
    if (end - off >= 16) p.src = ipv4Text(buf, off + 12);
    if (end - off >= 10) p.protocol = buf[off + 9];
    return;
  }
  const vihl = buf[off];
  const ihl = (vihl & 0x0f) * 4;
  const totalLength = u16be(buf, off + 2);
  const frag = u16be(buf, off + 6);
  p.ttl = buf[off + 8];
  const protocol = buf[off + 9];
  p.protocol = protocol;
  p.src = ipv4Text(buf, off + 12);
  p.dst = ipv4Text(buf, off + 16);
  if (vihl >> 4 !== 4 || ihl < 20) {
    p.decodeFlags |= DecodeFlag.Malformed;
    p.ipLength = totalLength;
    return;
  }
  // Segmentation offload writes 0 as the total length: the captured bytes are all there is.
  let ipLength = totalLength;
  if (ipLength === 0) ipLength = end - off;
  else if (ipLength < ihl) {
    p.decodeFlags |= DecodeFlag.Malformed;
    p.ipLength = totalLength;
    return;
  }
  p.ipLength = ipLength;
  const fragOffset = (frag & 0x1fff) * 8;
  if ((frag & 0x2000) !== 0 || fragOffset !== 0) {
    p.fragment = true;
    p.fragmentOffset = fragOffset;
  }
  const ipEnd = off + ipLength;
  if (end - off < ihl) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const l4 = off + ihl;
  const l4Length = ipLength - ihl;
  if (fragOffset !== 0) {
    p.payloadLength = l4Length;
    return;
  }
  decodeTransport(p, protocol, buf, l4, ipEnd < end ? ipEnd : end, l4Length);
}
