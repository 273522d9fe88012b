/**
 * Host header of an HTTP/1.x request that starts at the beginning of a TCP payload: the
 * request line must begin with a known method and a space; headers are scanned byte by
 * byte up to the end of the segment or the blank line.
 */
import type { Packet } from '../../common/model.ts';

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE'].map((m) => Buffer.from(`${m} `, 'latin1'));
const MAX_SCAN = 8192;

function startsWithMethod(buf: Buffer, off: number, end: number): boolean {
  for (const m of METHODS) {
    if (end - off < m.length) continue;
    let i = 0;
    while (i < m.length && buf[off + i] === m[i]) i++;
    if (i === m.length) return true;
  }
  return false;
}

export function decodeHttpHost(p: Packet, buf: Buffer, off: number, end: number): void {
  if (!startsWithMethod(buf, off, end)) return;
  const stop = Math.min(end, off + MAX_SCAN);
  let pos = off;
  while (pos < stop) {
    // Find the next line start.
    while (pos < stop && buf[pos] !== 0x0a) pos++;
    pos++;
    if (pos >= stop) return;
    if (buf[pos] === 0x0d || buf[pos] === 0x0a) return; // end of headers
    if (
      pos + 5 <= stop &&
      (buf[pos] | 0x20) === 0x68 &&
      (buf[pos + 1] | 0x20) === 0x6f &&
      (buf[pos + 2] | 0x20) === 0x73 &&
      (buf[pos + 3] | 0x20) === 0x74 &&
      buf[pos + 4] === 0x3a
    ) {
      let v = pos + 5;
      while (v < stop && (buf[v] === 0x20 || buf[v] === 0x09)) v++;
      let e = v;
      while (e < stop && buf[e] !== 0x0d && buf[e] !== 0x0a) e++;
      let t = e;
      while (t > v && (buf[t - 1] === 0x20 || buf[t - 1] === 0x09)) t--;
      p.httpHost = buf.toString('latin1', v, t);
      return;
    }
  }
}
