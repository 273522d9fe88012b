/**
 * The dedicated PacketBatch decoder returns exactly avsc's values: on every packet of the shared
 * captures (as the sensor encodes them, Community IDs included) and on edge cases the captures
 * do not hold. Bytes it does not read like avsc (other block forms, bad unions, truncation,
 * trailing bytes) go to avsc, which gives the same value or its error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { NO_VLANS, type Packet, type PacketBatch } from '../../../../services/common/model.ts';
import { PackedPacket, PackedPackets } from '../../../../services/common/packed-packet.ts';
import { avroType } from '../../../../services/common/serde/avro-types.ts';
import { decodeDetectorBatch, decodePacketBatch, packetBatchDecoderStats } from '../../../../services/common/serde/packet-batch-decoder.ts';
import { encodePacketBatch } from '../../../../services/common/serde/packet-batch-encoder.ts';
import { SingleObjectSerde } from '../../../../services/common/serde/single-object-serde.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { newPacket } from '../../../../services/sensor/decode/packet-record.ts';
import { detectorBatchFields } from '../../../support/detector-fields.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const manifest = JSON.parse(readFileSync(path.join(pcapDir, 'manifest.json'), 'utf8')) as { files: Array<{ file: string; packets: number }> };

const type = avroType('packetBatch');

function batchOf(packets: Packet[], batchSeq = 0): PacketBatch {
  return { sensorId: 'sensor-0f3a', sensorHost: 'lab-1', batchSeq, packets };
}

function packet(overrides: Partial<Packet>): Packet {
  return Object.assign(newPacket(1, 60, 60, 1_700_000_000_123_456, 0), overrides);
}

/** avsc's decode of a whole body, as decodeBody does it (every byte must belong to the record). */
function avscDecode(bytes: Buffer): unknown {
  const { value, offset } = type.decode(bytes, 0);
  if (offset !== bytes.length) throw new Error('avsc: not one whole record');
  return value;
}

/**
 * decodeDetectorBatch gives the full decoder's values, cut to DetectorPacket, in PackedPackets;
 * with `packed`, every packet comes as a PackedPacket (one class in the detectors), as every
 * packet our sensor sends does.
 */
function expectDetectorView(bytes: Buffer, full: PacketBatch, packed = true): void {
  const slim = decodeDetectorBatch(bytes, 0);
  expect(slim).not.toBeNull();
  expect(detectorBatchFields(slim!)).toEqual(detectorBatchFields(full));
  const packets = slim!.packets as PackedPackets;
  expect(packets).toBeInstanceOf(PackedPackets);
  if (packed) for (let i = 0; i < packets.length; i++) expect(packets.at(i)).toBeInstanceOf(PackedPacket);
}

describe('PacketBatch decoder', () => {
  it('returns avsc values for every packet of every shared capture', async () => {
    const captures = manifest.files.map((f) => f.file);
    expect(captures.length).toBeGreaterThan(10);
    const before = packetBatchDecoderStats.fallbacks;
    let checked = 0;
    let seq = 0;
    for (const file of captures) {
      const capture = await openCaptureFile(path.join(pcapDir, file), { communityId: seq % 2 === 0 });
      for await (const packets of capture) {
        for (let start = 0; start < packets.length; start += 500) {
          const bytes = encodePacketBatch(batchOf(packets.slice(start, start + 500), seq++))!;
          const ours = decodePacketBatch(bytes, 0);
          expect(ours, `${file} at ${start}`).not.toBeNull();
          expect(ours).toEqual(avscDecode(bytes));
          expectDetectorView(bytes, ours!);
          checked += ours!.packets.length;
        }
      }
    }
    expect(checked).toBe(manifest.files.reduce((sum, f) => sum + f.packets, 0));
    expect(packetBatchDecoderStats.fallbacks).toBe(before);
  }, 120_000);

  it('returns avsc values for edge cases: signs, large longs, unicode, unions, VLAN arrays, repeated strings', () => {
    const packets: Packet[] = [
      packet({}),
      packet({ ts: 0, length: 0, capLength: 0, protocol: -1, srcPort: -1, icmpType: -1, icmpCode: -1 }),
      packet({ ts: -1, tcpSeq: -1, tcpAck: -64, ipLength: -65, fragmentOffset: 63, tcpWindow: 64 }),
      packet({ tcpSeq: 4294967295, tcpAck: 2147483648, ts: Date.now() * 1000, length: 2147483647, capLength: -2147483648 }),
      packet({ ts: 9007199254740990, tcpSeq: -(2 ** 52), tcpAck: 1073741823, payloadLength: 1073741824, tcpFlags: -1073741824, ttl: -1073741825 }),
      packet({ vlanIds: [0] }),
      packet({ vlanIds: [100, 4095, 0, 1] }),
      packet({ vlanIds: Array.from({ length: 70 }, (_, i) => i * 61) }),
      packet({ srcMac: '00:11:22:33:44:55', dstMac: 'ff:ff:ff:ff:ff:ff', src: '2001:db8::ff00:42:8329', dst: '::ffff:192.0.2.128', fragment: true }),
      packet({ srcMac: '00:11:22:33:44:55', dstMac: 'ff:ff:ff:ff:ff:fe', src: '2001:db8::ff00:42:8329', dst: '::ffff:192.0.2.129' }),
      packet({ arp: { op: 1, senderMac: '08:00:27:9c:b3:fe', senderIp: '10.2.1.254', targetMac: '00:00:00:00:00:00', targetIp: '10.2.1.51' } }),
      packet({ dns: { id: 65535, response: true, opcode: 15, rcode: 3, qname: 'bücher.example', qtype: 28, questionCount: 1, answerCount: 2, minTtl: 0, maxTtl: 4294967295, answerBytes: 32 } }),
      packet({ dns: { id: 0, response: false, opcode: 0, rcode: 0, qname: '', qtype: 0, questionCount: 0, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 } }),
      packet({ dns: { id: 1, response: false, opcode: 0, rcode: 0, qname: '例え.テスト.\ufffd.😀.x'.repeat(3), qtype: 1, questionCount: 1, answerCount: 0, minTtl: 30, maxTtl: 30, answerBytes: 0 } }),
      packet({ tlsSni: '', httpHost: '', communityId: '' }),
      packet({ tlsSni: 'www.example.org', httpHost: 'h\u00e9llo.example:8080', communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=' }),
      packet({ tlsSni: 'a'.repeat(48), httpHost: 'b'.repeat(49), communityId: 'c'.repeat(300) }),
      packet({ tlsSni: '\u00ff'.repeat(24), httpHost: '\u00ff'.repeat(25) }),
      packet({ decodeFlags: 7 }),
    ];
    const batches = [batchOf(packets, 2 ** 40), batchOf([...packets].reverse(), 3), { sensorId: '', sensorHost: 'h\u00f6st', batchSeq: 0, packets: [] }];
    // Many distinct addresses: the intern table's slots collide and are replaced.
    batches.push(batchOf(Array.from({ length: 40_000 }, (_, i) => packet({ src: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, dst: `192.0.2.${i % 7}` }))));
    batches.push(batchOf(Array.from({ length: 40_000 }, (_, i) => packet({ src: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, dst: `192.0.2.${i % 5}` }))));
    for (const batch of batches) {
      const bytes = type.toBuffer(batch);
      const ours = decodePacketBatch(bytes, 0);
      expect(ours).not.toBeNull();
      expect(ours).toEqual(avscDecode(bytes));
      expect(ours).toEqual(batch);
      expectDetectorView(bytes, batch, false);
    }
    // Values a PackedPacket's bits cannot hold (no sensor sends them): still packed columns, but
    // such a packet comes as a plain object, the others as PackedPackets.
    const slim = decodeDetectorBatch(type.toBuffer(batches[0]), 0)!.packets as PackedPackets;
    expect(slim).toBeInstanceOf(PackedPackets);
    expect(Array.from({ length: slim.length }, (_, i) => slim.at(i) instanceof PackedPacket)).toEqual(packets.map((p) => p.ts >= 0 && p.ts < 2 ** 31 * 1e6 && p.ipLength >= 0 && p.payloadLength <= 65535 && p.tcpFlags >= 0));
    // Invalid UTF-8 decodes to the same replacement characters as avsc's.
    const bad = type.toBuffer(batchOf([packet({ src: 'AAAA' })]));
    const at = bad.indexOf(Buffer.from('AAAA'));
    bad[at + 1] = 0xff;
    bad[at + 2] = 0xc3;
    expect(decodePacketBatch(bad, 0)).toEqual(avscDecode(bad));
  });

  it('gives untagged packets the one shared, frozen NO_VLANS and tagged ones an array of their own', () => {
    const decoded = decodePacketBatch(encodePacketBatch(batchOf([packet({}), packet({ vlanIds: [7] }), packet({})]))!, 0)!;
    const [untagged, tagged, untaggedToo] = decoded.packets;
    expect(untagged.vlanIds).toBe(NO_VLANS);
    expect(untaggedToo.vlanIds).toBe(NO_VLANS);
    expect(tagged.vlanIds).toEqual([7]);
    expect(tagged.vlanIds).not.toBe(NO_VLANS);
    // Shared by every untagged packet, so nothing may change it.
    expect(() => untagged.vlanIds.push(1)).toThrow(TypeError);
    expect(NO_VLANS).toEqual([]);
  });

  it('reads from an offset (after a serde header)', () => {
    const batch = batchOf([packet({ src: '10.0.0.1' }), packet({ src: '10.0.0.2' })], 9);
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), type.toBuffer(batch)]);
    expect(decodePacketBatch(framed, 5)).toEqual(batch);
  });

  it('leaves bytes it does not read like avsc to avsc: block-size arrays, bad unions, truncation, trailing bytes', () => {
    const batch = batchOf([packet({ src: '10.0.0.1', vlanIds: [5] }), packet({ src: '10.0.0.2' })]);
    const bytes = type.toBuffer(batch);
    const before = packetBatchDecoderStats.fallbacks;
    // Truncated anywhere, or with a byte too many: null (avsc: offset -1 or bytes left over).
    for (let cut = 1; cut < bytes.length; cut++) expect(decodePacketBatch(bytes.subarray(0, cut), 0), `cut at ${cut}`).toBeNull();
    expect(decodePacketBatch(Buffer.concat([bytes, Buffer.from([0])]), 0)).toBeNull();
    // The packets array as one block with a negative count and a byte size (Avro allows it).
    const head = type.toBuffer({ ...batch, packets: [] }).subarray(0, -1);
    const items = bytes.subarray(head.length + 1, -1);
    const long = (n: number) => avro.Type.forSchema('long').toBuffer(n);
    const sized = Buffer.concat([head, long(-2), long(items.length), items, Buffer.from([0])]);
    expect(decodePacketBatch(sized, 0)).toBeNull();
    expect(avscDecode(sized)).toEqual(batch);
    // Two blocks of one packet each: read like avsc.
    const p1 = type.toBuffer(batchOf([batch.packets[0]])).subarray(head.length + 1, -1);
    const twoBlocks = Buffer.concat([head, Buffer.from([2]), p1, Buffer.from([2]), items.subarray(p1.length), Buffer.from([0])]);
    expect(decodePacketBatch(twoBlocks, 0)).toEqual(avscDecode(twoBlocks));
    expect(decodePacketBatch(twoBlocks, 0)).toEqual(batch);
    // A union index that is not 0 or 1 (the arp field of the last packet: 6 one-byte fields from the end).
    const badUnion = Buffer.from(bytes);
    badUnion[bytes.length - 7] = 4;
    expect(decodePacketBatch(badUnion, 0)).toBeNull();
    expect(() => avscDecode(badUnion)).toThrow();
    expect(packetBatchDecoderStats.fallbacks - before).toBe(bytes.length - 1 + 3);
  });

  it('for the detectors, reads past the fields they do not read with the same checks: the same bytes go to avsc', () => {
    const batch = batchOf([packet({ src: '10.0.0.1', srcMac: '02:00:00:00:00:01', vlanIds: [5], tlsSni: 'x.example', httpHost: 'y.example', tcpSeq: 2 ** 40 }), packet({ src: '10.0.0.2' })]);
    const bytes = type.toBuffer(batch);
    for (let cut = 1; cut < bytes.length; cut++) expect(decodeDetectorBatch(bytes.subarray(0, cut), 0), `cut at ${cut}`).toBeNull();
    expect(decodeDetectorBatch(Buffer.concat([bytes, Buffer.from([0])]), 0)).toBeNull();
    // A skipped long beyond avsc's safe range (tcpSeq, whose encoding is found by its value) is left to avsc too.
    const seq = avro.Type.forSchema('long').toBuffer(2 ** 40);
    const at = bytes.indexOf(seq);
    expect(at).toBeGreaterThan(0);
    const huge = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), bytes.subarray(at + seq.length)]);
    expect(decodePacketBatch(huge, 0)).toBeNull();
    expect(decodeDetectorBatch(huge, 0)).toBeNull();
    // A skipped string (srcMac) whose length runs past the end...
    const mac = Buffer.concat([Buffer.from([2 * 17]), Buffer.from('02:00:00:00:00:01')]);
    const macAt = bytes.indexOf(mac);
    expect(macAt).toBeGreaterThan(0);
    const longMac = Buffer.from(bytes);
    longMac[macAt] = 2 * 120;
    expect(decodePacketBatch(longMac, 0)).toBeNull();
    expect(decodeDetectorBatch(longMac, 0)).toBeNull();
    // ... or is negative.
    longMac[macAt] = 3;
    expect(decodePacketBatch(longMac, 0)).toBeNull();
    expect(decodeDetectorBatch(longMac, 0)).toBeNull();
    expect(detectorBatchFields(decodeDetectorBatch(bytes, 0)!)).toEqual(detectorBatchFields(batch));
  });

  it('is what both serdes use for packetBatch; anything it leaves goes through avsc with its errors', async () => {
    const serde = new SingleObjectSerde();
    await serde.init();
    const batch = batchOf([packet({ src: '10.0.0.1' })], 4);
    const before = packetBatchDecoderStats.decoded;
    expect(await serde.decode('packetBatch', serde.encode('packetBatch', batch))).toEqual(batch);
    expect(packetBatchDecoderStats.decoded).toBe(before + 1);
    const framed = serde.encode('packetBatch', batch);
    expect(detectorBatchFields(await serde.decodeDetectorBatch(framed))).toEqual(detectorBatchFields(batch));
    expect(packetBatchDecoderStats.decoded).toBe(before + 2);
    await expect(serde.decodeDetectorBatch(framed.subarray(0, -3))).rejects.toThrow(/NS_ERR_SERDE|does not decode/);
    await expect(serde.decodeDetectorBatch(Buffer.from('not a batch'))).rejects.toThrow(/packetBatch: not Avro single-object encoded/);
    await expect(serde.decode('packetBatch', framed.subarray(0, -3))).rejects.toThrow(/NS_ERR_SERDE|does not decode/);
    await expect(serde.decode('packetBatch', Buffer.concat([framed, Buffer.from([0])]))).rejects.toThrow(/bytes left after the record/);
  });
});
