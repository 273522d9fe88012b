/**
 * Builds the benchmark capture: the Ethernet captures of ../shared/pcaps repeated into one
 * pcap of at least `minPackets` packets under the OS temp directory (never in the repo).
 * Reused when it already exists with the same size target.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaptureReader } from '../services/sensor/capture-reader.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const pcapDir = path.resolve(repoRoot, '../shared/pcaps');

export async function benchCapture(minPackets = 1_000_000): Promise<{ file: string; packets: number; bytes: number }> {
  const file = path.join(tmpdir(), `netsentinel-bench-${minPackets}.pcap`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as { file: string; packets: number; bytes: number };
  const manifest = JSON.parse(readFileSync(path.join(pcapDir, 'manifest.json'), 'utf8')) as { files: Array<{ file: string; link_type: string }> };
  const sources = manifest.files.filter((f) => f.link_type.startsWith('ether')).map((f) => path.join(pcapDir, f.file));
  const out = createWriteStream(file);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  out.write(header);
  let packets = 0;
  let bytes = 24;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  while (packets < minPackets) {
    for (const source of sources) {
      const reader = await openCaptureReader(source);
      for (;;) {
        const more = await reader.readChunk((linkType, buf, offset, capLength, length, ts) => {
          if (linkType !== 1) return;
          const rec = Buffer.allocUnsafe(16 + capLength);
          rec.writeUInt32LE(Math.floor(ts / 1e6), 0);
          rec.writeUInt32LE(ts % 1e6, 4);
          rec.writeUInt32LE(capLength, 8);
          rec.writeUInt32LE(length, 12);
          buf.copy(rec, 16, offset, offset + capLength);
          pending.push(rec);
          pendingBytes += rec.length;
          packets++;
        });
        if (pendingBytes > 1 << 20) {
          const chunk = Buffer.concat(pending);
          bytes += chunk.length;
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
          pending = [];
          pendingBytes = 0;
        }
        if (!more) break;
      }
      await reader.close();
      if (packets >= minPackets) break;
    }
  }
  const rest = Buffer.concat(pending);
  bytes += rest.length;
  out.end(rest);
  await new Promise<void>((r) => out.once('finish', () => r()));
  const info = { file, packets, bytes };
  const { writeFileSync } = await import('node:fs');
  writeFileSync(meta, JSON.stringify(info));
  return info;
}
