/**
 * Server Name Indication of a TLS ClientHello starting at the beginning of a TCP payload.
 * Only the bytes of this segment are looked at; a ClientHello whose SNI lies in a later
 * segment yields no SNI (no reassembly on the packet path).
 */
import type { Packet } from '../../common/model.ts';
import { u16be } from './bytes.ts';

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;

export function decodeTlsSni(p: Packet, buf: Buffer, off: number, end: number): void {
  if (end - off < 9 || buf[off] !== HANDSHAKE || buf[off + 1] !== 3 || buf[off + 5] !== CLIENT_HELLO) return;
  const recordEnd = Math.min(end, off + 5 + u16be(buf, off + 3));
  // handshake header (4) + client_version (2) + random (32)
  let pos = off + 5 + 4 + 2 + 32;
  if (pos + 1 > recordEnd) return;
  pos += 1 + buf[pos];
  if (pos + 2 > recordEnd) return;
  pos += 2 + u16be(buf, pos);
  if (pos + 1 > recordEnd) return;
  pos += 1 + buf[pos];
  if (pos + 2 > recordEnd) return;
  const extEnd = Math.min(recordEnd, pos + 2 + u16be(buf, pos));
  pos += 2;
  while (pos + 4 <= extEnd) {
    const type = u16be(buf, pos);
    const len = u16be(buf, pos + 2);
    const body = pos + 4;
    if (type === EXT_SERVER_NAME) {
      // server_name_list length (2), then entries: name_type (1), length (2), name
      let e = body + 2;
      const listEnd = Math.min(extEnd, body + len);
      while (e + 3 <= listEnd) {
        const nameType = buf[e];
        const nameLen = u16be(buf, e + 1);
        if (e + 3 + nameLen > listEnd) return;
        if (nameType === 0) {
          p.tlsSni = buf.toString('latin1', e + 3, e + 3 + nameLen);
          return;
        }
        e += 3 + nameLen;
      }
      return;
    }
    pos = body + len;
  }
}
