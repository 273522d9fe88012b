/**
 * IPv6: addresses, hop limit, and the extension-header chain walked to the transport header
 * (hop-by-hop, routing, destination options, fragment, AH, mobility, HIP, shim6). The
 * protocol reported is the last Next Header of the chain.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeTransport } from './transport.ts';
import { ipv6Text } from './text.ts';
import { u16be } from './bytes.ts';

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AH = 51;
const DEST_OPTS = 60;
const MOBILITY = 135;
const HIP = 139;
const SHIM6 = 140;

export function decodeIpv6(p: Packet, buf: Buffer, off: number, end: number): void {
  p.ipVersion = 6;
  if (end - off < 40) {
    p.decodeFlags |= DecodeFlag.Truncated;
    if (end - off >= 24) p.src = ipv6Text(buf, off + 8);
    return;
  }
  if (buf[off] >> 4 !== 6) p.decodeFlags |= DecodeFlag.Malformed;
  const payloadLength = u16be(buf, off + 4);
  let next = buf[off + 6];
  p.ttl = buf[off + 7];
  p.src = ipv6Text(buf, off + 8);
  p.dst = ipv6Text(buf, off + 24);
  // Jumbograms (payload length 0 with a hop-by-hop jumbo option) and offload: trust the capture.
  const ipLength = payloadLength === 0 ? end - off : 40 + payloadLength;
  p.ipLength = ipLength;
  const ipEnd = off + ipLength < end ? off + ipLength : end;
  let h = off + 40;
  let walking = true;
  while (walking) {
    switch (next) {
      case HOP_BY_HOP:
      case ROUTING:
      case DEST_OPTS:
      case MOBILITY:
      case HIP:
      case SHIM6: {
        if (ipEnd - h < 8) return truncated(p, next);
        const len = (buf[h + 1] + 1) * 8;
        next = buf[h];
        h += len;
        break;
      }
      case AH: {
        if (ipEnd - h < 8) return truncated(p, next);
        const len = (buf[h + 1] + 2) * 4;
        next = buf[h];
        h += len;
        break;
      }
      case FRAGMENT: {
        if (ipEnd - h < 8) return truncated(p, next);
        const fo = u16be(buf, h + 2);
        p.fragment = true;
        p.fragmentOffset = fo & 0xfff8;
        next = buf[h];
        h += 8;
        if (p.fragmentOffset !== 0) {
          p.protocol = next;
          p.payloadLength = Math.max(0, off + ipLength - h);
          return;
        }
        break;
      }
      default:
        walking = false;
    }
  }
  p.protocol = next;
  if (h > ipEnd) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  decodeTransport(p, next, buf, h, ipEnd, off + ipLength - h);
}

function truncated(p: Packet, next: number): void {
  p.protocol = next;
  p.decodeFlags |= DecodeFlag.Truncated;
}
