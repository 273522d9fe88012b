/**
 * The dedicated PacketBatch encoder writes exactly avsc's bytes: on every packet of the shared
 * captures (decoded by the sensor, Community IDs included) and on edge cases the captures do
 * not hold. Anything it does not handle goes through avsc, whose errors name the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Packet, PacketBatch } from '../../../../services/common/model.ts';
import { avroType } from '../../../../services/common/serde/avro-types.ts';
import { encodePacketBatch, PacketBatchBody, packetBatchEncoderStats } from '../../../../services/common/serde/packet-batch-encoder.ts';
import { SingleObjectSerde } from '../../../../services/common/serde/single-object-serde.ts';
import { newPacket } from '../../../../services/sensor/decode/packet-record.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { samplePacketBatch } from '../../../support/sample-records.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const manifest = JSON.parse(readFileSync(path.join(pcapDir, 'manifest.json'), 'utf8')) as { files: Array<{ file: string; packets: number }> };

const type = avroType('packetBatch');

function batchOf(packets: Packet[], batchSeq = 0): PacketBatch {
  return { sensorId: 'sensor-0f3a', sensorHost: 'lab-1', batchSeq, packets };
}

/** Index of the first packet whose encoding differs from avsc's, or -1. */
function firstDifferentPacket(packets: Packet[]): number {
  for (let i = 0; i < packets.length; i++) {
    const one = batchOf([packets[i]]);
    const ours = encodePacketBatch(one);
    if (ours === null || !ours.equals(type.toBuffer(one))) return i;
  }
  return -1;
}

function packet(overrides: Partial<Packet>): Packet {
  return Object.assign(newPacket(1, 60, 60, 1_700_000_000_123_456, 0), overrides);
}

describe('PacketBatch encoder', () => {
  const captures = manifest.files.map((f) => f.file);

  it('writes avsc bytes for every packet of every shared capture', async () => {
    expect(captures.length).toBeGreaterThan(10);
    const before = packetBatchEncoderStats.fallbacks;
    let checked = 0;
    let withCommunityId = 0;
    let seq = 0;
    for (const file of captures) {
      // Every other capture with Community IDs, so that union branch is covered on real flows.
      const capture = await openCaptureFile(path.join(pcapDir, file), { communityId: seq % 2 === 0 });
      for await (const packets of capture) {
        for (let start = 0; start < packets.length; start += 500) {
          const slice = packets.slice(start, start + 500);
          const batch = batchOf(slice, seq++);
          const ours = encodePacketBatch(batch);
          const expected = type.toBuffer(batch);
          if (ours === null || !ours.equals(expected)) {
            const i = firstDifferentPacket(slice);
            expect.fail(`${file}: packet ${start + i} of a chunk encodes differently: ${JSON.stringify(slice[i])}`);
          }
          checked += slice.length;
          for (const p of slice) if (p.communityId !== null) withCommunityId++;
        }
      }
    }
    expect(checked).toBe(manifest.files.reduce((sum, f) => sum + f.packets, 0));
    expect(withCommunityId).toBeGreaterThan(1000);
    expect(packetBatchEncoderStats.fallbacks).toBe(before);
  }, 120_000);

  it('writes avsc bytes for edge cases: signs, large longs, unicode, unions, VLAN arrays', () => {
    const packets: Packet[] = [
      packet({}),
      packet({ ts: 0, length: 0, capLength: 0, protocol: -1, srcPort: -1, icmpType: -1, icmpCode: -1 }),
      packet({ ts: -1, tcpSeq: -1, tcpAck: -64, ipLength: -65, fragmentOffset: 63, tcpWindow: 64 }),
      packet({ tcpSeq: 4294967295, tcpAck: 2147483648, ts: Date.now() * 1000, length: 2147483647, capLength: -2147483648 }),
      packet({ ts: 9007199254740990, tcpSeq: -9007199254740990, tcpAck: 1073741823, payloadLength: 1073741824, tcpFlags: -1073741824, ttl: -1073741825 }),
      packet({ vlanIds: [0] }),
      packet({ vlanIds: [100, 4095, 0, 1] }),
      packet({ vlanIds: Array.from({ length: 70 }, (_, i) => i * 61) }),
      packet({ srcMac: '00:11:22:33:44:55', dstMac: 'ff:ff:ff:ff:ff:ff', src: '2001:db8::ff00:42:8329', dst: '::ffff:192.0.2.128', fragment: true }),
      packet({
        arp: { op: 1, senderMac: '08:00:27:9c:b3:fe', senderIp: '10.2.1.254', targetMac: '00:00:00:00:00:00', targetIp: '10.2.1.51' },
      }),
      packet({
        dns: { id: 65535, response: true, opcode: 15, rcode: 3, qname: 'bücher.example', qtype: 28, questionCount: 1, answerCount: 2, minTtl: 0, maxTtl: 4294967295, answerBytes: 32 },
      }),
      packet({ dns: { id: 0, response: false, opcode: 0, rcode: 0, qname: '', qtype: 0, questionCount: 0, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 } }),
      packet({ dns: { id: 1, response: false, opcode: 0, rcode: 0, qname: '例え.テスト.\ufffd.😀.x'.repeat(3), qtype: 1, questionCount: 1, answerCount: 0, minTtl: 30, maxTtl: 30, answerBytes: 0 } }),
      packet({ tlsSni: '', httpHost: '', communityId: '' }),
      packet({ tlsSni: 'www.example.org', httpHost: 'h\u00e9llo.example:8080', communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' }),
      packet({ tlsSni: 'a'.repeat(63), httpHost: 'b'.repeat(64), communityId: 'c'.repeat(300) }),
      packet({ tlsSni: '\u00ff'.repeat(32), httpHost: '\u00ff'.repeat(33) }),
      // Lone surrogates: avsc writes their 3-byte form below 65 bytes, U+FFFD above.
      packet({ tlsSni: 'x\ud800y', httpHost: `${'\udc00'.repeat(30)}z` }),
      packet({ decodeFlags: 7 }),
    ];
    for (let i = 0; i < packets.length; i++) {
      const one = batchOf([packets[i]], i);
      expect(encodePacketBatch(one)?.toString('hex'), `edge case ${i}`).toBe(type.toBuffer(one).toString('hex'));
    }
    const all = batchOf(packets, 2 ** 40);
    expect(encodePacketBatch(all)?.equals(type.toBuffer(all))).toBe(true);
    const empty: PacketBatch = { sensorId: '', sensorHost: 'h\u00f6st', batchSeq: 0, packets: [] };
    expect(encodePacketBatch(empty)?.toString('hex')).toBe(type.toBuffer(empty).toString('hex'));
    // Round trip through avsc's decoder, too: lone surrogates aside (UTF-8 cannot carry them),
    // and longs below -2^53 + 2 (avsc's zigzag of them rounds in float arithmetic).
    const wellFormed = batchOf(packets.filter((p) => !p.tlsSni?.includes('\ud800') && p.tcpSeq > -(2 ** 52)));
    expect(type.fromBuffer(encodePacketBatch(wellFormed)!)).toEqual(wellFormed);
  });

  it('grows its buffer for batches larger than the scratch space', () => {
    const packets = Array.from({ length: 20_000 }, (_, i) =>
      packet({ ts: 1_700_000_000_000_000 + i, src: `10.0.${i >> 8}.${i & 255}`, dst: '192.0.2.1', communityId: `1:${'x'.repeat(27)}`, tlsSni: 'long-'.repeat(20) }),
    );
    const batch = batchOf(packets);
    const ours = encodePacketBatch(batch, Buffer.from([0xc3, 0x01]));
    expect(ours!.length).toBeGreaterThan(2 << 20);
    expect(ours!.subarray(0, 2).toString('hex')).toBe('c301');
    expect(ours!.subarray(2).equals(type.toBuffer(batch))).toBe(true);
  });

  it('hands values it does not handle to avsc: defaults for missing fields, errors naming the field', async () => {
    const serde = new SingleObjectSerde();
    await serde.init();
    const batch = samplePacketBatch();
    const framed = serde.encode('packetBatch', batch);
    expect(framed.subarray(10).equals(type.toBuffer(batch))).toBe(true);
    expect(await serde.decode('packetBatch', framed)).toEqual(batch);

    const before = packetBatchEncoderStats.fallbacks;
    const missing = samplePacketBatch();
    delete (missing.packets[1] as Partial<Packet>).ifIndex;
    expect(encodePacketBatch(missing)).toBeNull();
    // avsc writes the field's default (0) for a missing field.
    expect((await serde.decode('packetBatch', serde.encode('packetBatch', missing))).packets[1].ifIndex).toBe(0);

    const wrong = samplePacketBatch();
    (wrong.packets[2] as unknown as { srcPort: string }).srcPort = '443';
    expect(() => serde.encode('packetBatch', wrong)).toThrow(/NS_ERR_SERDE|srcPort/);
    expect(() => serde.encode('packetBatch', wrong)).toThrow(/packets\.2\.srcPort/);
    const fraction = samplePacketBatch();
    fraction.packets[0].ts = 1.5;
    expect(() => serde.encode('packetBatch', fraction)).toThrow(/packets\.0\.ts/);
    const notRecord = samplePacketBatch();
    (notRecord.packets[0] as unknown as { dns: unknown }).dns = 'example.com';
    expect(() => serde.encode('packetBatch', notRecord)).toThrow(/packets\.0\.dns/);
    expect(() => serde.encode('packetBatch', null as unknown as PacketBatch)).toThrow();
    expect(packetBatchEncoderStats.fallbacks).toBeGreaterThanOrEqual(before + 6);
  });

  it('builds the same bytes packet by packet (PacketBatchBody), reusing its buffer across batches', async () => {
    const header = Buffer.from([0, 0, 0, 0, 42]);
    const body = new PacketBatchBody(256);
    let seq = 0;
    for (const file of ['dnstunnel/iodine_null_records_active.pcap', 'linktypes/vlan_tagged_mixed_zeek.pcap', 'arpspoof/arp_spoof_gateway_mac_change.pcap']) {
      for await (const packets of await openCaptureFile(path.join(pcapDir, file), { communityId: true })) {
        for (let start = 0; start < packets.length; start += 333) {
          const slice = packets.slice(start, start + 333);
          for (const p of slice) body.add(p);
          expect(body.count).toBe(slice.length);
          const batch = { sensorId: 'sensor-\u00e9', sensorHost: 'lab-1', batchSeq: 2 ** 33 + seq, packets: slice };
          const framed = body.frame(header, batch.sensorId, batch.sensorHost, batch.batchSeq);
          expect(framed.subarray(0, 5).equals(header)).toBe(true);
          expect(framed.subarray(5).equals(type.toBuffer(batch)), `${file} at ${start}`).toBe(true);
          expect(body.bytes).toBe(framed.length - type.toBuffer({ ...batch, packets: [] }).length - header.length - (slice.length < 64 ? 1 : 2));
          body.reset();
          seq++;
        }
      }
    }
    expect(seq).toBeGreaterThan(5);
    const empty = body.frame(header, 'a', 'b', 0);
    expect(empty.subarray(5).equals(type.toBuffer({ sensorId: 'a', sensorHost: 'b', batchSeq: 0, packets: [] }))).toBe(true);
  });

  it('PacketBatchBody hands a packet it does not handle to avsc: its default bytes, or a SerdeError naming the field', () => {
    const body = new PacketBatchBody();
    const missing = packet({ srcPort: 80 });
    delete (missing as Partial<Packet>).ifIndex;
    body.add(missing);
    body.add(packet({ dstPort: 443 }));
    const framed = body.frame(Buffer.alloc(0), 's', 'h', 1);
    const decoded = type.fromBuffer(framed) as PacketBatch;
    expect(decoded.packets.map((p) => [p.ifIndex, p.srcPort, p.dstPort])).toEqual([[0, 80, -1], [0, -1, 443]]);
    const wrong = packet({});
    (wrong as unknown as { ttl: string }).ttl = '64';
    expect(() => body.add(wrong)).toThrow(/NS_ERR_SERDE|ttl/);
    expect(() => body.add(wrong)).toThrow(/at ttl/);
    expect(body.count).toBe(2);
  });
});
