import { describe, expect, it } from 'vitest';
import { DecodeFlag } from '../../../../services/common/model.ts';
import { decodeFrame } from '../../../../services/sensor/decode/frame.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const decode = (linkType: number, b: Buffer) => decodeFrame(linkType, b, 0, b.length, b.length, 0, 0);

const ipv4Tcp = hex('4500 0028 0001 4000 4006 0000 0a000001 0a000002  d431 0050 00000001 00000002 5012 ffff 0000 0000');
const ipv6Udp = hex('6000 0000 0010 11 40 20010db8000000000000000000000001 20010db8000000000000000000000002');

describe('decodeFrame', () => {
  it('decodes Ethernet with QinQ tags', () => {
    const frame = Buffer.concat([hex('ffffffffffff 020000000001 88a8 0064 8100 00c8 0800'), ipv4Tcp]);
    const p = decode(1, frame);
    expect(p.vlanIds).toEqual([100, 200]);
    expect(p.etherType).toBe(0x0800);
    expect([p.src, p.dst, p.protocol, p.srcPort, p.dstPort, p.tcpFlags]).toEqual(['10.0.0.1', '10.0.0.2', 6, 54321, 80, 0x12]);
    expect(p.decodeFlags).toBe(0);
  });

  it('decodes Linux SLL2, BSD null (both byte orders) and raw IP', () => {
    const sll2 = Buffer.concat([hex('0800 0000 00000002 0001 00 06 020000000001 0000'), ipv4Tcp]);
    expect(decode(276, sll2)).toMatchObject({ src: '10.0.0.1', srcMac: '02:00:00:00:00:01', dstMac: '', protocol: 6 });
    expect(decode(0, Buffer.concat([hex('02000000'), ipv4Tcp]))).toMatchObject({ src: '10.0.0.1', etherType: 0x0800 });
    expect(decode(0, Buffer.concat([hex('00000002'), ipv4Tcp]))).toMatchObject({ src: '10.0.0.1' });
    expect(decode(101, ipv4Tcp)).toMatchObject({ dstPort: 80 });
  });

  it('walks IPv6 extension headers to UDP', () => {
    const payload = hex('0035 0035 0008 0000');
    const hopByHop = hex('3c00 0000 0000 0000'); // next: destination options
    const destOpts = hex('1100 0000 0000 0000'); // next: UDP
    const body = Buffer.concat([hopByHop, destOpts, payload]);
    const ip = Buffer.from(ipv6Udp);
    ip.writeUInt16BE(body.length, 4);
    ip[6] = 0;
    const p = decode(229, Buffer.concat([ip, body]));
    expect([p.src, p.protocol, p.srcPort, p.ttl, p.ipLength]).toEqual(['2001:db8::1', 17, 53, 64, 40 + body.length]);
  });

  it('marks IPv4 fragments and skips the transport of non-first fragments', () => {
    const frag = Buffer.from(ipv4Tcp);
    frag.writeUInt16BE(0x0003, 6);
    const p = decode(101, frag);
    expect([p.fragment, p.fragmentOffset, p.srcPort, p.protocol]).toEqual([true, 24, -1, 6]);
  });

  it('flags truncated and malformed packets instead of throwing', () => {
    expect(decode(1, hex('ffffffffffff0200')).decodeFlags).toBe(DecodeFlag.Truncated);
    const cut = Buffer.concat([hex('ffffffffffff 020000000001 0800'), ipv4Tcp.subarray(0, 30)]);
    const p = decode(1, cut);
    expect(p.src).toBe('10.0.0.1');
    expect(p.srcPort).toBe(54321);
    expect(p.decodeFlags & DecodeFlag.Truncated).toBeTruthy();
    const bad = Buffer.from(ipv4Tcp);
    bad[0] = 0x43;
    expect(decode(101, bad).decodeFlags & DecodeFlag.Malformed).toBeTruthy();
    expect(decode(9999, ipv4Tcp).decodeFlags).toBe(DecodeFlag.Unsupported);
  });

  it('reads the Host of an HTTP request and the SNI of a ClientHello', () => {
    const http = Buffer.from('GET / HTTP/1.1\r\nUser-Agent: x\r\nhost:  example.org \r\n\r\n');
    const tcp = Buffer.from(ipv4Tcp);
    tcp.writeUInt16BE(40 + http.length, 2);
    expect(decode(101, Buffer.concat([tcp, http])).httpHost).toBe('example.org');
    const name = Buffer.from('sni.example.com');
    const sniExt = Buffer.concat([hex('0000'), u16(name.length + 5), u16(name.length + 3), hex('00'), u16(name.length), name]);
    const exts = Buffer.concat([hex('000a 0002 0017'), sniExt]);
    const hello = Buffer.concat([hex('0303'), Buffer.alloc(32), hex('00'), hex('0002 1301'), hex('0100'), u16(exts.length), exts]);
    const hs = Buffer.concat([hex('01'), u24(hello.length), hello]);
    const record = Buffer.concat([hex('160301'), u16(hs.length), hs]);
    tcp.writeUInt16BE(40 + record.length, 2);
    expect(decode(101, Buffer.concat([tcp, record])).tlsSni).toBe('sni.example.com');
  });
});

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
}
