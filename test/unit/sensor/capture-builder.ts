/** Builds small pcap / pcapng files in memory for the reader tests. */
export interface Frame {
  data: Buffer;
  /** Microseconds since the epoch. */
  ts: number;
  origLength?: number;
  ifIndex?: number;
}

export function buildPcap(frames: Frame[], opts: { bigEndian?: boolean; nanos?: boolean; linkType?: number } = {}): Buffer {
  const be = opts.bigEndian === true;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  w32(h, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 65535, 16);
  w32(h, opts.linkType ?? 1, 20);
  parts.push(h);
  for (const f of frames) {
    const r = Buffer.alloc(16);
    const sec = Math.floor(f.ts / 1e6);
    const us = f.ts % 1e6;
    w32(r, sec, 0);
    w32(r, opts.nanos ? us * 1000 + 999 : us, 4);
    w32(r, f.data.length, 8);
    w32(r, f.origLength ?? f.data.length, 12);
    parts.push(r, f.data);
  }
  return Buffer.concat(parts);
}

export interface Iface {
  linkType: number;
  /** if_tsresol byte; default 6 (microseconds). */
  tsresol?: number;
}

export function buildPcapng(ifaces: Iface[], frames: Frame[], opts: { bigEndian?: boolean; unknownBlocks?: boolean } = {}): Buffer {
  const be = opts.bigEndian === true;
  const w32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    const b = Buffer.alloc(12 + padded.length);
    w32(b, type, 0);
    w32(b, b.length, 4);
    padded.copy(b, 8);
    w32(b, b.length, b.length - 4);
    return b;
  };
  const parts: Buffer[] = [];
  const shb = Buffer.alloc(16);
  w32(shb, 0x1a2b3c4d, 0);
  w16(shb, 1, 4);
  w16(shb, 0, 6);
  shb.fill(0xff, 8, 16);
  parts.push(block(0x0a0d0d0a, shb));
  for (const iface of ifaces) {
    const body = Buffer.alloc(8 + (iface.tsresol === undefined ? 0 : 8) + 4);
    w16(body, iface.linkType, 0);
    w32(body, 0, 4);
    if (iface.tsresol !== undefined) {
      w16(body, 9, 8);
      w16(body, 1, 10);
      body[12] = iface.tsresol;
    }
    parts.push(block(1, body));
  }
  if (opts.unknownBlocks) parts.push(block(0x0bad, Buffer.from('custom block to skip')), block(5, Buffer.alloc(20)));
  for (const f of frames) {
    const ifId = f.ifIndex ?? 0;
    const resol = ifaces[ifId].tsresol ?? 6;
    const units = BigInt(f.ts) * 10n ** BigInt(resol) / 1_000_000n;
    const body = Buffer.alloc(20 + f.data.length);
    w32(body, ifId, 0);
    w32(body, Number(units >> 32n), 4);
    w32(body, Number(units & 0xffffffffn), 8);
    w32(body, f.data.length, 12);
    w32(body, f.origLength ?? f.data.length, 16);
    f.data.copy(body, 20);
    parts.push(block(6, body));
  }
  return Buffer.concat(parts);
}

/** An Ethernet/IPv4/UDP frame from a to b with a payload. */
export function udpFrame(src: [number, number, number, number], dst: [number, number, number, number], sport: number, dport: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const eth = Buffer.from('0011223344556677889900aa0800', 'hex');
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from(src).copy(ip, 12);
  Buffer.from(dst).copy(ip, 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(sport, 0);
  udp.writeUInt16BE(dport, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([eth, ip, udp, payload]);
}
