/** Which packets the sensor also sends to their destination's partition (sensor/victim-copies.ts). */
import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../../../services/common/model.ts';
import { VictimCopies } from '../../../services/sensor/victim-copies.ts';
import { data, packet, syn } from '../detector/packets.ts';

const T = 1_700_000_000_000;
const tcp = (flags: number, srcPort = 40000, src = '10.0.0.1') => packet({ src, dst: '10.0.0.2', srcPort, dstPort: 80, tcpFlags: flags, ts: T * 1000 });

describe('victim copies', () => {
  it('copies SYNs, echo requests and the one ACK that completes a copied SYN, nothing else', () => {
    const copies = new VictimCopies();
    const wanted = (p: ReturnType<typeof packet>) => copies.wants(p);
    expect(wanted(syn('10.0.0.1', '10.0.0.2', 80, T))).toBe(true);
    expect(wanted(tcp(TcpFlag.SYN | TcpFlag.ACK))).toBe(false); // the server's answer
    expect(wanted(tcp(TcpFlag.ACK, 40001))).toBe(false); // an ACK of a handshake not seen
    expect(wanted(tcp(TcpFlag.ACK))).toBe(true); // completes the SYN's handshake
    expect(wanted(data('10.0.0.1', '10.0.0.2', 80, T))).toBe(false); // only the first ACK
    expect(wanted(syn('10.0.0.1', '10.0.0.2', 80, T, 40002))).toBe(true);
    expect(wanted(tcp(TcpFlag.RST | TcpFlag.ACK, 40002))).toBe(false); // refused: no completion
    expect(wanted(tcp(TcpFlag.ACK, 40002))).toBe(true); // (still awaited after the RST)
    expect(wanted(packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, icmpType: 8 }))).toBe(true);
    expect(wanted(packet({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 1, icmpType: 0 }))).toBe(false);
    expect(wanted(packet({ src: 'fe80::1', dst: 'fe80::2', protocol: 58, icmpType: 128 }))).toBe(true);
    expect(wanted(packet({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, srcPort: 5000, dstPort: 53 }))).toBe(false);
    expect(wanted(packet({ etherType: 0x0806, src: '', dst: '', protocol: 0 }))).toBe(false);
  });

  it('awaits a bounded number of handshakes, forgetting the oldest first; a retransmitted SYN keeps its place', () => {
    const copies = new VictimCopies(2);
    for (const port of [1, 2, 1, 3]) copies.wants(tcp(TcpFlag.SYN, port));
    expect(copies.pendingHandshakes).toBe(2);
    expect(copies.wants(tcp(TcpFlag.ACK, 1))).toBe(false); // forgotten: the oldest when 3 came
    expect(copies.wants(tcp(TcpFlag.ACK, 2))).toBe(true);
    expect(copies.wants(tcp(TcpFlag.ACK, 3))).toBe(true);
    expect(copies.pendingHandshakes).toBe(0);
    // A completed handshake's slot is reused without forgetting anyone.
    for (const port of [4, 5]) copies.wants(tcp(TcpFlag.SYN, port));
    expect([4, 5].map((port) => copies.wants(tcp(TcpFlag.ACK, port)))).toEqual([true, true]);
    expect(() => new VictimCopies(3)).toThrow(/power of two/);
  });

  it('awaits one handshake per client socket, and forgets every handshake when too many addresses were numbered', () => {
    const copies = new VictimCopies(8, 4);
    const to = (dst: string, flags: number) => packet({ src: '10.0.0.1', dst, srcPort: 40000, dstPort: 80, tcpFlags: flags });
    // The same socket asks a second server before the first answered: only the second is awaited.
    copies.wants(to('10.0.0.2', TcpFlag.SYN));
    copies.wants(to('10.0.0.3', TcpFlag.SYN));
    expect(copies.pendingHandshakes).toBe(1);
    expect(copies.wants(to('10.0.0.2', TcpFlag.ACK))).toBe(false);
    copies.wants(to('10.0.0.3', TcpFlag.SYN)); // retransmitted
    expect(copies.wants(to('10.0.0.3', TcpFlag.ACK))).toBe(true);
    // 10.0.0.1, .2, .3 are numbered; a SYN naming two more would pass 4: all is forgotten first.
    copies.wants(to('10.0.0.2', TcpFlag.SYN));
    copies.wants(packet({ src: '10.0.0.8', dst: '10.0.0.9', srcPort: 1, dstPort: 2, tcpFlags: TcpFlag.SYN }));
    expect(copies.pendingHandshakes).toBe(1);
    expect(copies.wants(to('10.0.0.2', TcpFlag.ACK))).toBe(false);
    expect(copies.wants(packet({ src: '10.0.0.8', dst: '10.0.0.9', srcPort: 1, dstPort: 2, tcpFlags: TcpFlag.ACK }))).toBe(true);
    expect(() => new VictimCopies(8, (1 << 16) + 1)).toThrow(/maxAddresses/);
  });

  it('numbers addresses anew after forgetting them all: a number remembered from before never names another address', () => {
    const copies = new VictimCopies(8, 2);
    const tcpFrom = (src: string, dst: string, flags: number) => packet({ src, dst, srcPort: 40000, dstPort: 80, tcpFlags: flags });
    copies.wants(tcpFrom('10.0.0.1', '10.0.0.2', TcpFlag.SYN));
    // A third address: everything is forgotten, and 10.0.0.1 and 10.0.0.9 get numbers anew.
    copies.wants(tcpFrom('10.0.0.1', '10.0.0.9', TcpFlag.SYN));
    expect(copies.wants(tcpFrom('10.0.0.9', '10.0.0.1', TcpFlag.ACK))).toBe(false); // the other way round
    expect(copies.wants(tcpFrom('10.0.0.1', '10.0.0.9', TcpFlag.ACK))).toBe(true);
  });

  it('completes the handshakes of addresses numbered past 32,767 and of ports past 32,767 (sockets are signed 32-bit ints)', () => {
    const copies = new VictimCopies(1 << 16);
    const source = (n: number) => `11.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const probe = (n: number, flags: number, port: number) => packet({ src: source(n), dst: '10.0.0.2', srcPort: port, dstPort: 65535, tcpFlags: flags });
    for (let n = 0; n < 40_000; n++) copies.wants(probe(n, TcpFlag.SYN, n % 2 === 0 ? 65535 : 1024));
    expect(copies.pendingHandshakes).toBe(40_000);
    // Numbered 39,997 to 39,999: their sockets' top bit is set.
    expect([39_997, 39_998, 39_999].map((n) => copies.wants(probe(n, TcpFlag.ACK, n % 2 === 0 ? 65535 : 1024)))).toEqual([true, true, true]);
    expect(copies.wants(probe(39_999, TcpFlag.ACK, 1024))).toBe(false); // only the first ACK
    expect(copies.wants(probe(39_996, TcpFlag.ACK, 1024))).toBe(false); // not the port its SYN came from
    expect(copies.pendingHandshakes).toBe(39_997);
  });
});
