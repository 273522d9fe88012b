import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Packet } from '../../../services/common/model.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { buildPcap, buildPcapng, udpFrame, type Frame } from './capture-builder.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ns-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

async function readAll(file: string, chunkSize?: number): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const packets of await openCaptureFile(file, { chunkSize })) out.push(...packets);
  return out;
}

const frames: Frame[] = Array.from({ length: 300 }, (_, i) => ({
  data: udpFrame([10, 0, 0, (i % 250) + 1], [10, 0, 1, 1], 1000 + i, 53 + i, Buffer.alloc(i * 7)),
  ts: 1_700_000_000_000_000 + i * 1234,
}));

describe('pcap reader', () => {
  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      it(`reads ${bigEndian ? 'big' : 'little'}-endian ${nanos ? 'nanosecond' : 'microsecond'} files across chunk boundaries`, async () => {
        const file = write(`f-${bigEndian}-${nanos}.pcap`, buildPcap(frames, { bigEndian, nanos }));
        const packets = await readAll(file, 4096);
        expect(packets).toHaveLength(frames.length);
        packets.forEach((p, i) => {
          expect(p.ts).toBe(frames[i].ts);
          expect(p.src).toBe(`10.0.0.${(i % 250) + 1}`);
          expect(p.srcPort).toBe(1000 + i);
          expect(p.capLength).toBe(frames[i].data.length);
        });
      });
    }
  }

  it('reports a truncated record with file, offset and sizes', async () => {
    const full = buildPcap(frames.slice(0, 3));
    const cut = write('cut.pcap', full.subarray(0, full.length - 10));
    const seen: Packet[] = [];
    const error = await (async () => {
      try {
        for await (const packets of await openCaptureFile(cut)) seen.push(...packets);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(seen).toHaveLength(2);
    const third = 24 + 16 * 2 + frames[0].data.length + frames[1].data.length;
    expect(error?.message).toBe(`${cut}: truncated record at byte ${third} (expected ${frames[2].data.length} bytes, file ends after ${frames[2].data.length - 10})`);
    expect((error as { code?: string }).code).toBe('NS_ERR_CAPTURE_FILE');
  });

  it('rejects a file that is not a capture, a missing file, and an empty file', async () => {
    await expect(openCaptureFile(write('x.txt', Buffer.from('hello world, not a capture')))).rejects.toThrow(/x\.txt: not a capture file at byte 0 \(expected pcap magic/);
    await expect(openCaptureFile(path.join(dir, 'missing.pcap'))).rejects.toThrow(/missing\.pcap: cannot open at byte 0 .*no such file/);
    await expect(openCaptureFile(write('empty.pcap', Buffer.alloc(0)))).rejects.toThrow(/empty\.pcap: too short at byte 0/);
  });
});

describe('pcapng reader', () => {
  it('reads several interfaces with their own link types and timestamp resolutions, skipping unknown blocks', async () => {
    const raw = udpFrame([192, 168, 0, 1], [192, 168, 0, 2], 5353, 5353).subarray(14);
    const ng: Frame[] = [
      { data: frames[0].data, ts: 1_700_000_000_123_456, ifIndex: 0 },
      { data: raw, ts: 1_700_000_000_654_321, ifIndex: 1 },
      { data: frames[1].data, ts: 1_700_000_001_000_001, ifIndex: 2 },
    ];
    for (const bigEndian of [false, true]) {
      const file = write(`multi-${bigEndian}.pcapng`, buildPcapng([{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 1, tsresol: 3 }], ng, { bigEndian, unknownBlocks: true }));
      const packets = await readAll(file, 4096);
      expect(packets.map((p) => [p.ifIndex, p.linkType, p.src, p.ts])).toEqual([
        [0, 1, '10.0.0.1', 1_700_000_000_123_456],
        [1, 101, '192.168.0.1', 1_700_000_000_654_321],
        [2, 1, '10.0.0.2', 1_700_000_001_000_000],
      ]);
    }
  });

  it('reads blocks that span chunk boundaries', async () => {
    const file = write('many.pcapng', buildPcapng([{ linkType: 1 }], frames));
    const packets = await readAll(file, 4096);
    expect(packets.map((p) => p.dstPort)).toEqual(frames.map((_, i) => 53 + i));
  });

  it('reports a truncated block', async () => {
    const full = buildPcapng([{ linkType: 1 }], frames.slice(0, 2));
    const file = write('cut.pcapng', full.subarray(0, full.length - 3));
    await expect(readAll(file)).rejects.toThrow(/cut\.pcapng: truncated block at byte \d+ \(expected \d+ bytes, file ends after \d+\)/);
  });
});
