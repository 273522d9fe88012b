/**
 * Decodes one captured frame into a Packet. Never throws: whatever cannot be decoded is
 * reported in Packet.decodeFlags (a bug in a decoder included, as Malformed), so one bad
 * packet can never stop a capture.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeLink } from './link.ts';
import { newPacket, resetPacket } from './packet-record.ts';

/** Packets whose decoder threw (a missing length check): should stay 0; tests assert it. */
export const decoderFaults = { count: 0 };

export function decodeFrame(
  linkType: number,
  buf: Buffer,
  offset: number,
  capLength: number,
  length: number,
  tsMicros: number,
  ifIndex: number,
): Packet {
  const p = newPacket(linkType, length, capLength, tsMicros, ifIndex);
  decodeLinkSafely(p, linkType, buf, offset, capLength);
  return p;
}

/** decodeFrame into an existing Packet, whose every field is overwritten. */
export function decodeFrameInto(
  p: Packet,
  linkType: number,
  buf: Buffer,
  offset: number,
  capLength: number,
  length: number,
  tsMicros: number,
  ifIndex: number,
): void {
  resetPacket(p, linkType, length, capLength, tsMicros, ifIndex);
  decodeLinkSafely(p, linkType, buf, offset, capLength);
}

function decodeLinkSafely(p: Packet, linkType: number, buf: Buffer, offset: number, capLength: number): void {
  try {
    decodeLink(p, linkType, buf, offset, offset + capLength);
  } catch {
    // A RangeError from reading past the end means a length check is missing somewhere.
    p.decodeFlags |= DecodeFlag.Malformed;
    decoderFaults.count++;
  }
}
