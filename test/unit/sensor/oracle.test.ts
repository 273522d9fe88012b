/**
 * The decoders against tshark, field by field, on every capture of ../shared/pcaps
 * (enumerated from its manifest.json). The deliberate differences from tshark's conventions
 * are listed and handled in tshark-oracle.ts. tshark runs once per file; nothing is cached.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { comparePacket, runTshark, type Mismatch } from './tshark-oracle.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const manifest = JSON.parse(readFileSync(path.join(pcapDir, 'manifest.json'), 'utf8')) as { files: Array<{ file: string; packets: number }> };

describe('decoders agree with tshark', () => {
  it('finds tshark', () => {
    expect(existsSync('/usr/bin/tshark'), 'tshark is needed: apt-get install -y tshark').toBe(true);
    expect(manifest.files.length).toBeGreaterThan(0);
  });

  for (const entry of manifest.files) {
    it(entry.file, async () => {
      const file = path.join(pcapDir, entry.file);
      const rows = await runTshark(file);
      const capture = await openCaptureFile(file);
      let index = 0;
      let firstMismatch: Mismatch | null = null;
      let mismatches = 0;
      for await (const packets of capture) {
        for (const p of packets) {
          const row = rows[index++];
          if (row === undefined) continue;
          const m = comparePacket(p, row);
          if (m) {
            mismatches++;
            firstMismatch ??= m;
          }
        }
      }
      const report = firstMismatch
        ? `${entry.file}: frame ${firstMismatch.frame}, field ${firstMismatch.field}: ours ${JSON.stringify(firstMismatch.ours)} vs tshark ${JSON.stringify(firstMismatch.tshark)} (${mismatches} mismatching packets)`
        : null;
      expect(report).toBeNull();
      expect(index).toBe(rows.length);
      expect(index).toBe(entry.packets);
    }, 120_000);
  }
});
