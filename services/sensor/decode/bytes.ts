/**
 * Big- and little-endian reads by index arithmetic. Buffer#readUInt16BE and friends validate
 * their offset through a wrapper that V8 does not inline, which costs more than the read on a
 * path that does a dozen reads per packet. Callers check lengths before reading (as they did
 * with the Buffer methods, whose RangeError only ever covered the end of the whole buffer).
 */
export function u16be(buf: Buffer, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

export function u32be(buf: Buffer, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

export function u16le(buf: Buffer, off: number): number {
  return buf[off] | (buf[off + 1] << 8);
}

export function u32le(buf: Buffer, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}
