/** PackedPacket (services/common/packed-packet.ts): a DetectorPacket whose small fields share four 32-bit words must give back every value it took, and take none it cannot give back. */
import { describe, expect, it } from 'vitest';
import type { DetectorPacket } from '../../../services/common/model.ts';
import { PackedPacket, packedPacket, PackedPackets } from '../../../services/common/packed-packet.ts';
import { detectorFields } from '../../support/detector-fields.ts';

type Small = Pick<DetectorPacket, 'ipVersion' | 'protocol' | 'ipLength' | 'fragment' | 'fragmentOffset' | 'srcPort' | 'dstPort' | 'tcpFlags' | 'payloadLength' | 'icmpType' | 'icmpCode' | 'victimCopy'>;

const base: DetectorPacket = {
  ts: 1_700_000_000_123_456,
  length: 1514,
  ipVersion: 4,
  src: '10.0.0.1',
  dst: '192.0.2.7',
  protocol: 6,
  ipLength: 1500,
  fragment: false,
  fragmentOffset: 0,
  srcPort: 51_000,
  dstPort: 443,
  tcpFlags: 0x18,
  payloadLength: 1448,
  icmpType: -1,
  icmpCode: -1,
  arp: null,
  dns: null,
  communityId: '1:abc=',
  smbRpc: null,
  victimCopy: false,
};

const pack = (p: DetectorPacket) =>
  packedPacket(p.ts, p.length, p.ipVersion, p.src, p.dst, p.protocol, p.ipLength, p.fragment, p.fragmentOffset, p.srcPort, p.dstPort, p.tcpFlags, p.payloadLength, p.icmpType, p.icmpCode, p.arp, p.dns, p.communityId, p.smbRpc, p.victimCopy);

describe('PackedPacket', () => {
  it('gives back every field it packs, at both ends of each range', () => {
    const extremes: Array<Partial<Small>> = [
      { ipVersion: 0, protocol: -1, srcPort: -1, dstPort: -1, tcpFlags: 0, icmpType: -1, icmpCode: -1, fragmentOffset: 0, ipLength: 0, payloadLength: 0, fragment: false, victimCopy: false },
      { ipVersion: 6, protocol: 255, srcPort: 65_535, dstPort: 65_535, tcpFlags: 511, icmpType: 255, icmpCode: 255, fragmentOffset: 8191, ipLength: 65_535, payloadLength: 65_535, fragment: true, victimCopy: true },
      { ipVersion: 4, protocol: 1, srcPort: 0, dstPort: 0, tcpFlags: 0x12, icmpType: 8, icmpCode: 0, fragmentOffset: 185, ipLength: 84, payloadLength: 56, fragment: true, victimCopy: false },
      { ipVersion: 4, protocol: 17, srcPort: 32_768, dstPort: 53, tcpFlags: 256, icmpType: 0, icmpCode: 3, fragmentOffset: 4096, ipLength: 32_768, payloadLength: 32_768, fragment: false, victimCopy: true },
    ];
    for (const fields of extremes) {
      const p = { ...base, ...fields };
      const packed = pack(p);
      expect(packed).toBeInstanceOf(PackedPacket);
      expect(detectorFields(packed!)).toEqual(p);
    }
  });

  it('gives back timestamps to the microsecond until 2038, and the four mostly null fields whichever is set', () => {
    const others: Array<Partial<DetectorPacket>> = [
      { ts: 0 },
      { ts: 999_999 },
      { ts: 2 ** 31 * 1e6 - 1 },
      { ts: 1_732_486_828_927_365 },
      { arp: { op: 2, senderMac: '08:00:27:9c:b3:fe', senderIp: '10.2.1.254', targetMac: '00:00:00:00:00:00', targetIp: '10.2.1.51' }, communityId: null },
      { dns: { id: 7, response: false, opcode: 0, rcode: 0, qname: 'a.example', qtype: 16, questionCount: 1, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 }, communityId: null },
      { smbRpc: 'share:ADMIN$', communityId: null },
      { communityId: null },
    ];
    for (const fields of others) {
      const p = { ...base, ...fields };
      expect(detectorFields(pack(p)!)).toEqual(p);
    }
  });

  it('packs nothing it cannot give back: a value outside its bits gives null', () => {
    const outside: Array<Partial<DetectorPacket>> = [
      { ipVersion: 5 },
      { protocol: -2 },
      { protocol: 256 },
      { srcPort: -2 },
      { srcPort: 65_536 },
      { dstPort: 65_536 },
      { tcpFlags: -1 },
      { tcpFlags: 512 },
      { icmpType: 256 },
      { icmpCode: -2 },
      { fragmentOffset: 8192 },
      { ipLength: -1 },
      { ipLength: 65_536 },
      { payloadLength: 65_536 },
      { srcPort: 80.5 },
      { ts: -1 },
      { ts: 2 ** 31 * 1e6 },
      { ts: 1_700_000_000_000_000.5 },
    ];
    for (const fields of outside) expect(pack({ ...base, ...fields }), JSON.stringify(fields)).toBeNull();
  });

  it('holds its twenty fields in ten properties (about half the bytes of a plain object on a 64-bit heap)', () => {
    // Own properties: seconds and microseconds, length, src, dst, the mostly null four in one, and four words for the other twelve.
    const packed = pack(base)!;
    expect(Object.keys(packed)).toHaveLength(10);
    expect(Object.keys(detectorFields(packed))).toHaveLength(20);
  });
});

describe('PackedPackets', () => {
  const push = (packets: PackedPackets, p: DetectorPacket) => packets.append(p, p.victimCopy);

  /** Packets that differ in every field, some with extras, and one a PackedPacket cannot hold. */
  const many = (n: number): DetectorPacket[] =>
    Array.from({ length: n }, (_, i) => ({
      ...base,
      ts: base.ts + i * 1_000_001,
      length: 60 + i,
      ipVersion: i % 3 === 0 ? 6 : 4,
      src: `10.0.${i >> 8}.${i & 255}`,
      dst: `192.0.2.${i % 200}`,
      protocol: i % 2 === 0 ? 6 : 17,
      ipLength: 40 + i,
      fragment: i % 5 === 0,
      fragmentOffset: i % 8191,
      srcPort: 1024 + i,
      dstPort: i % 7 === 0 ? -1 : 80 + i,
      tcpFlags: i % 512,
      payloadLength: i,
      icmpType: (i % 257) - 1,
      icmpCode: (i % 256) - 1,
      communityId: i % 4 === 0 ? null : `1:${i}=`,
      smbRpc: i % 9 === 0 ? `share:${i}` : null,
      victimCopy: i % 2 === 1,
      ...(i === 37 ? { payloadLength: 70_000 } : {}),
    }));

  it('gives back every field of every packet, through its cursor and as copies, beyond the capacity it was made with', () => {
    const input = many(300);
    const packets = new PackedPackets(16);
    for (const p of input) push(packets, p);
    expect(packets.length).toBe(300);
    for (let i = 0; i < input.length; i++) {
      expect(detectorFields(packets.at(i)), String(i)).toEqual(input[i]);
      expect(detectorFields(packets.copy(i)), String(i)).toEqual(input[i]);
    }
    expect(packets.toArray().map(detectorFields)).toEqual(input);
  });

  it('points one cursor at packet after packet; a copy keeps its values', () => {
    const input = many(3);
    const packets = new PackedPackets(3);
    for (const p of input) push(packets, p);
    const first = packets.at(0);
    const kept = packets.copy(0);
    expect(packets.at(1)).toBe(first);
    expect(first.src).toBe(input[1].src);
    expect(kept).not.toBe(first);
    expect(detectorFields(kept)).toEqual(input[0]);
  });

  it('holds a packet whose values its bits cannot hold as the plain object of them, and packs the others', () => {
    const input = many(40);
    const packets = new PackedPackets(40);
    for (const p of input) push(packets, p);
    for (let i = 0; i < input.length; i++) expect(packets.at(i) instanceof PackedPacket, String(i)).toBe(i !== 37);
    expect(packets.at(37)).toEqual(input[37]);
    expect(packets.copy(37)).toEqual(input[37]);
  });
});
