/**
 * Random truncations and byte mutations of real captures never crash the reader or the
 * decoder: each run ends with a CaptureFileError or with packets (flagged where damaged).
 * A seeded PRNG keeps failures reproducible; the seed is in the failure message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError } from '../../../services/common/errors.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { openCaptureReader } from '../../../services/sensor/capture-reader.ts';
import { decodeFrame, decoderFaults } from '../../../services/sensor/decode/frame.ts';
import { mutatedFrames, seededRandom } from '../../support/random.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/pcaps');
const dir = mkdtempSync(path.join(tmpdir(), 'ns-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOURCES = [
  'linktypes/sll2_http_download_suricata.pcap',
  'linktypes/vlan_tagged_mixed_zeek.pcap',
  'linktypes/sll_v1_arp_zeek.pcap',
  'dnstunnel/dnscat2_exfil_cname_mx_txt.pcap',
  'c2/cryptowall4_c2_http.pcapng',
  'icmpflood/icmpv6_rsmurf6_echo_flood_1000.pcap',
  'icmpflood/icmp_echo_flood_single_target_scapy_rawip.pcap',
  'arpspoof/arp_mitm_bidirectional_gateway_and_host.pcapng',
  'lateral/psexec_add_user_smb2.pcap',
];

async function readOutcome(file: string): Promise<'ok' | 'capture-error'> {
  try {
    for await (const packets of await openCaptureFile(file, { chunkSize: 4096 })) {
      for (const p of packets) expect(typeof p.decodeFlags).toBe('number');
    }
    return 'ok';
  } catch (err) {
    if (err instanceof CaptureFileError) {
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(/ at byte \d+ \(expected /);
      return 'capture-error';
    }
    throw err;
  }
}

describe('robustness', () => {
  it('survives truncated and mutated files (reader + decoder)', async () => {
    const outcomes = { ok: 0, 'capture-error': 0 };
    let run = 0;
    for (const name of SOURCES) {
      const original = readFileSync(path.join(pcapDir, name)).subarray(0, 64 * 1024);
      for (let i = 0; i < 40; i++, run++) {
        const seed = 1000 + run;
        const rand = seededRandom(seed);
        let data = Buffer.from(original);
        if (i % 2 === 0) data = data.subarray(0, Math.floor(rand() * data.length));
        const mutations = Math.floor(rand() * 20);
        for (let m = 0; m < mutations && data.length > 0; m++) data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
        const file = path.join(dir, `fuzz-${seed}${path.extname(name)}`);
        writeFileSync(file, data);
        const outcome = await readOutcome(file).catch((err: unknown) => {
          throw new Error(`seed ${seed} (${name}): ${String(err)}`);
        });
        outcomes[outcome]++;
        rmSync(file);
      }
    }
    expect(outcomes.ok + outcomes['capture-error']).toBe(SOURCES.length * 40);
    expect(outcomes['capture-error']).toBeGreaterThan(0);
    expect(decoderFaults.count).toBe(0);
  }, 120_000);

  it('decodes thousands of mutated frames without throwing', () => {
    const rand = seededRandom(42);
    const frames = [
      readFileSync(path.join(pcapDir, 'dnstunnel/dnscat2_exfil_cname_mx_txt.pcap')).subarray(40, 40 + 300),
      readFileSync(path.join(pcapDir, 'linktypes/sll2_http_download_suricata.pcap')).subarray(40, 40 + 600),
    ];
    const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276];
    let flagged = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = frames[i % frames.length];
      const buf = Buffer.from(base.subarray(0, Math.floor(rand() * base.length)));
      for (let m = Math.floor(rand() * 8); m > 0 && buf.length > 0; m--) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256);
      const p = decodeFrame(linkTypes[i % linkTypes.length], buf, 0, buf.length, buf.length, 0, 0);
      if (p.decodeFlags !== 0) flagged++;
    }
    expect(flagged).toBeGreaterThan(1000);
    // Every malformed input must be caught by a length check, not by the safety net.
    expect(decoderFaults.count).toBe(0);
  });

  it('reads SMB2 and DCE-RPC requests with mutated lengths and offsets without throwing', async () => {
    // The PsExec capture's frames that carry a share or an interface (Packet.smbRpc).
    const frames: Buffer[] = [];
    const reader = await openCaptureReader(path.join(pcapDir, 'lateral/psexec_add_user_smb2.pcap'));
    while (
      await reader.readChunk((linkType, buf, offset, capLength) => {
        if (decodeFrame(linkType, buf, offset, capLength, capLength, 0, 0).smbRpc !== null) frames.push(Buffer.from(buf.subarray(offset, offset + capLength)));
      })
    );
    await reader.close();
    expect(frames.length).toBeGreaterThanOrEqual(5);
    let changed = 0;
    // Bytes past the TCP header (Ethernet 14 + IPv4 20 + TCP 20): NetBIOS, SMB2 and DCE-RPC fields.
    for (const buf of mutatedFrames(frames, { seed: 7, count: 20_000, from: 54, maxCut: 40, maxChanges: 6 })) {
      const p = decodeFrame(1, buf, 0, buf.length, buf.length, 0, 0);
      if (p.smbRpc === null || !/^(share:|bind:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)/.test(p.smbRpc)) changed++;
    }
    expect(changed).toBeGreaterThan(1000);
    expect(decoderFaults.count).toBe(0);
  });
});
