/**
 * Capture filters: libpcap compiles the expression, bpf-program.ts runs it. The oracle is
 * tcpdump itself: on every shared capture, for expressions that use every kind of instruction,
 * the frames kept must be exactly the frames `tcpdump -r F -w - EXPR` writes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError, UsageError } from '../../../services/common/errors.ts';
import { CaptureFilter } from '../../../services/sensor/capture-filter.ts';
import { openCaptureReader } from '../../../services/sensor/capture-reader.ts';
import { openCaptureFile } from '../../../services/sensor/capture-source.ts';
import { buildPcap, buildPcapng, udpFrame } from './capture-builder.ts';

const pcapDir = path.resolve(import.meta.dirname, '../../../../shared/pcaps');
const captures = (JSON.parse(readFileSync(path.join(pcapDir, 'manifest.json'), 'utf8')) as { files: Array<{ file: string }> }).files.map((f) => f.file);
const tmp = mkdtempSync(path.join(tmpdir(), 'ns-capture-filter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Between them: IPv4 and IPv6 addresses and nets, ports and port ranges, TCP flags, payload
 * bytes behind a variable header length (MSH, indexed loads, shifts), fragments, VLAN tags
 * (which move every later offset), ARP, ICMP types, the frame's length, broadcast and
 * multicast, and arithmetic (+ - * / % ^ << >>).
 */
const EXPRESSIONS = [
  'tcp port 80 or udp port 53',
  'not host 192.168.1.10 and (udp or icmp) and not net 10.0.0.0/8',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn and portrange 1-1023',
  'ip6 or arp or (vlan and icmp)',
  'len > 100 and (ether broadcast or ether multicast or ip[6:2] & 0x1fff != 0)',
  'icmp[icmptype] = icmp-echo or icmp6 or tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  '(ip[2:2] - ((ip[0] & 0xf) << 2)) * 3 / 2 % 7 = 1 or ip[8] ^ 0xff < 200',
];

/** Each frame as "ts:length on the wire:bytes in hex", or that the expression cannot apply to the capture. */
type Frames = string[] | 'refused';

const frameKey = (buf: Uint8Array, offset: number, capLength: number, length: number, ts: number): string => `${ts}:${length}:${Buffer.from(buf.subarray(offset, offset + capLength)).toString('hex')}`;

/** The frames of a capture that each filter keeps, in one pass; 'refused' where a filter threw. */
async function keptByFilters(file: string, filters: CaptureFilter[]): Promise<Frames[]> {
  const kept: Frames[] = filters.map(() => []);
  const reader = await openCaptureReader(file);
  try {
    while (
      await reader.readChunk((linkType, buf, offset, capLength, length, ts) => {
        filters.forEach((f, i) => {
          const frames = kept[i];
          if (frames === 'refused') return;
          try {
            if (f.matches(linkType, buf, offset, capLength, length)) frames.push(frameKey(buf, offset, capLength, length, ts));
          } catch (err) {
            if (!(err instanceof CaptureFileError)) throw err;
            kept[i] = 'refused';
          }
        });
      })
    );
  } finally {
    await reader.close();
  }
  return kept;
}

/** The frames tcpdump keeps, read back from the pcap it writes; 'refused' when it fails (the expression cannot apply to the capture's link type). */
async function keptByTcpdump(file: string, expression: string, out: string): Promise<Frames> {
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('tcpdump', ['-nn', '-r', file, '-w', out, expression], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (status !== 0) return 'refused';
  const frames: string[] = [];
  const reader = await openCaptureReader(out);
  try {
    while (await reader.readChunk((_linkType, buf, offset, capLength, length, ts) => void frames.push(frameKey(buf, offset, capLength, length, ts))));
  } finally {
    await reader.close();
  }
  return frames;
}

describe('capture filters', () => {
  it('keep exactly the frames tcpdump keeps, on every shared capture', async () => {
    const filters = EXPRESSIONS.map((e) => CaptureFilter.compile(e));
    let compared = 0;
    let keptInAll = 0;
    const refused: string[] = [];
    for (const [ci, capture] of captures.entries()) {
      const file = path.join(pcapDir, capture);
      const ours = await keptByFilters(file, filters);
      const theirs = await Promise.all(EXPRESSIONS.map((e, i) => keptByTcpdump(file, e, path.join(tmp, `${ci}-${i}.pcap`))));
      for (let i = 0; i < EXPRESSIONS.length; i++) {
        const [a, b] = [ours[i], theirs[i]];
        expect({ capture, expression: EXPRESSIONS[i], kept: a === 'refused' ? a : a.length, frames: a }).toEqual({ capture, expression: EXPRESSIONS[i], kept: b === 'refused' ? b : b.length, frames: b });
        if (a === 'refused') refused.push(`${capture} | ${EXPRESSIONS[i]}`);
        else keptInAll += a.length;
        compared++;
      }
    }
    expect(compared).toBe(captures.length * EXPRESSIONS.length);
    // The expressions keep many frames, not none (a filter that kept nothing would agree too).
    expect(keptInAll).toBeGreaterThan(50_000);
    // Refused, by libpcap as by tcpdump: VLAN tags and Ethernet broadcast on the three captures
    // that are not Ethernet (raw IPv4, Linux cooked v1 and v2).
    const linkLayer = [EXPRESSIONS[3], EXPRESSIONS[4]];
    expect(refused.sort()).toEqual(['icmpflood/icmp_echo_flood_single_target_scapy_rawip.pcap', 'linktypes/sll2_http_download_suricata.pcap', 'linktypes/sll_v1_arp_zeek.pcap'].flatMap((c) => linkLayer.map((e) => `${c} | ${e}`)).sort());
  }, 120_000);

  it('refuse an expression libpcap does not accept, with its reason', () => {
    expect(() => CaptureFilter.compile('tcp prot 80')).toThrow(UsageError);
    expect(() => CaptureFilter.compile('tcp prot 80')).toThrow('--filter "tcp prot 80": can\'t parse filter expression: syntax error');
    expect(() => CaptureFilter.compile('ip and ip6')).toThrow('--filter "ip and ip6": expression rejects all packets');
  });

  it('compile a program for each link type a capture has, keep nothing of one the expression can match nothing of, and name the file when it cannot apply', async () => {
    // Raw IP (LINKTYPE_RAW): the Ethernet frame without its 14-byte header.
    const raw = path.join(tmp, 'raw-ip.pcap');
    writeFileSync(raw, buildPcap([{ ts: 1_700_000_000_000_000, data: udpFrame([10, 0, 0, 1], [10, 0, 0, 2], 40000, 53).subarray(14) }], { linkType: 101 }));
    const readAll = async (expression: string): Promise<number> => {
      const capture = await openCaptureFile(raw, { filter: CaptureFilter.compile(expression) });
      let n = 0;
      for await (const packets of capture) n += packets.length;
      return n;
    };
    expect(await readAll('udp port 53')).toBe(1);
    expect(await readAll('arp')).toBe(0);
    // One pcapng whose two interfaces are Ethernet and raw IP: each gets its own program.
    const mixed = path.join(tmp, 'mixed.pcapng');
    const dns = udpFrame([10, 0, 0, 1], [10, 0, 0, 2], 40000, 53);
    const other = udpFrame([10, 0, 0, 1], [10, 0, 0, 2], 40000, 123);
    writeFileSync(
      mixed,
      buildPcapng(
        [{ linkType: 1 }, { linkType: 101 }],
        [
          { ts: 1_700_000_000_000_000, data: dns, ifIndex: 0 },
          { ts: 1_700_000_000_000_001, data: dns.subarray(14), ifIndex: 1 },
          { ts: 1_700_000_000_000_002, data: other, ifIndex: 0 },
          { ts: 1_700_000_000_000_003, data: other.subarray(14), ifIndex: 1 },
        ],
      ),
    );
    const portsKept = async (expression: string): Promise<number[]> => {
      const ports: number[] = [];
      for await (const packets of await openCaptureFile(mixed, { filter: CaptureFilter.compile(expression) })) ports.push(...packets.map((p) => p.dstPort));
      return ports;
    };
    expect(await portsKept('udp port 53')).toEqual([53, 53]);
    expect(await portsKept('not udp port 53')).toEqual([123, 123]);
    // Ethernet-only on the raw IP interface: the file is refused there, after the frame before it.
    await expect(portsKept('ether src 00:11:22:33:44:55 or udp')).rejects.toThrow(`${mixed}: --filter "ether src 00:11:22:33:44:55 or udp" cannot be applied to packets of link type 101`);

    const ether = readAll('ether host 01:02:03:04:05:06');
    await expect(ether).rejects.toThrow(CaptureFileError);
    await expect(ether).rejects.toThrow(`${raw}: --filter "ether host 01:02:03:04:05:06" cannot be applied to packets of link type 101: ethernet addresses supported only on`);
  });
});
