/**
 * CaptureFile#readChunkInto (one reused Packet, the replay's allocation-free path) hands on
 * exactly the packets the iterator yields, field for field, and reports damage the same way.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Packet } from '../../../services/common/model.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const dir = mkdtempSync(path.join(tmpdir(), 'ns-capture-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function viaIterator(file: string, communityId: boolean): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const packets of await openCaptureFile(file, { communityId, chunkSize: 8192 })) out.push(...packets);
  return out;
}

async function viaReuse(file: string, communityId: boolean): Promise<{ packets: Packet[]; objects: Set<Packet>; error: unknown }> {
  const capture = await openCaptureFile(file, { communityId, chunkSize: 8192 });
  const packets: Packet[] = [];
  const objects = new Set<Packet>();
  let error: unknown = null;
  try {
    while (await capture.readChunkInto((p) => {
      objects.add(p);
      packets.push(structuredClone(p));
    }));
  } catch (err) {
    error = err;
  } finally {
    await capture.close();
  }
  return { packets, objects, error };
}

describe('readChunkInto', () => {
  for (const [file, communityId] of [
    ['dnstunnel/dnscat2_exfil_cname_mx_txt.pcap', true],
    ['arpspoof/arp_mitm_bidirectional_gateway_and_host.pcapng', false],
    ['linktypes/vlan_tagged_mixed_zeek.pcap', true],
    ['linktypes/sll2_http_download_suricata.pcap', false],
    ['benign/http_espn_pageload.pcapng', true],
  ] as const) {
    it(`decodes ${file} exactly as the iterator does, into one object`, async () => {
      const expected = await viaIterator(path.join(pcapDir, file), communityId);
      const { packets, objects, error } = await viaReuse(path.join(pcapDir, file), communityId);
      expect(error).toBeNull();
      expect(objects.size).toBe(1);
      expect(packets.length).toBe(expected.length);
      expect(packets.length).toBeGreaterThan(10);
      for (let i = 0; i < expected.length; i++) expect(packets[i], `${file} packet ${i}`).toEqual({ ...expected[i] });
    });
  }

  it('hands on the packets before a truncation, then throws the same CaptureFileError', async () => {
    const whole = readFileSync(path.join(pcapDir, 'arpspoof/arpspoof_replies_only_two_hosts.pcap'));
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    let iteratorError: unknown = null;
    const before: Packet[] = [];
    try {
      for await (const packets of await openCaptureFile(cut)) before.push(...packets);
    } catch (err) {
      iteratorError = err;
    }
    const { packets, error } = await viaReuse(cut, false);
    expect((error as Error).message).toMatch(/truncated record at byte \d+/);
    expect((error as Error).message).toBe((iteratorError as Error).message);
    expect(packets).toEqual(before.map((p) => ({ ...p })));
    expect(packets.length).toBe(35);
  });
});
