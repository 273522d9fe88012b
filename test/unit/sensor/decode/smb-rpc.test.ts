/**
 * Packet.smbRpc (sensor/decode/smb-rpc.ts): the SMB2 and SMB1 shares and DCE-RPC interfaces
 * Windows clients ask for, on the labelled lateral-movement captures (where tshark shows the same
 * requests) and on hand-made segments for the cases those do not hold (SMB1: a capture written
 * by the test and read by tshark too).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Packet } from '../../../../services/common/model.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { decodeFrame, decoderFaults } from '../../../../services/sensor/decode/frame.ts';
import { mutatedFrames } from '../../../support/random.ts';
import { buildPcap } from '../capture-builder.ts';
import { comparePacket, runTshark } from '../tshark-oracle.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');

async function requestsIn(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of await openCaptureFile(join(PCAPS, file))) {
    for (const p of chunk as Packet[]) if (p.smbRpc !== null) out.push(`${p.src}>${p.dst}:${p.dstPort} ${p.smbRpc}`);
  }
  return out;
}

const SVCCTL = 'bind:367abb81-9844-35f1-ad32-98f038001003';
const EPMAPPER = 'bind:e1af8308-5d1f-11c9-91a4-08002b14a0fa';

describe('SMB2 shares and DCE-RPC binds (Packet.smbRpc)', () => {
  it('reads PsExec over SMB2: ADMIN$, the endpoint mapper, IPC$ and svcctl bound through a pipe WRITE', async () => {
    expect(await requestsIn('lateral/psexec_add_user_smb2.pcap')).toEqual([
      `192.168.10.31>192.168.10.10:445 share:ADMIN$`,
      `192.168.10.31>192.168.10.10:135 ${EPMAPPER}`,
      `192.168.10.31>192.168.10.10:445 share:IPC$`,
      `192.168.10.31>192.168.10.10:445 ${SVCCTL}`,
      `192.168.10.31>192.168.10.10:445 ${SVCCTL}`,
      `192.168.10.31>192.168.10.10:445 share:ADMIN$`,
    ]);
  });

  it('reads svcctl bound on a dynamic RPC port, and WMI over DCOM (activation, then IWbemLevel1Login by alter-context)', async () => {
    expect(await requestsIn('lateral/psexec_smb_svcctl_midstream.pcapng')).toContain(`172.16.66.1>172.16.66.36:49688 ${SVCCTL}`);
    const wmi = await requestsIn('lateral/wmi_processcallcreate_dcerpc.pcapng');
    expect(wmi[0]).toBe('172.16.66.1>172.16.66.36:135 bind:000001a0-0000-0000-c000-000000000046');
    expect(wmi).toContain('172.16.66.1>172.16.66.36:49670 bind:f309ad18-d86a-11d0-a075-00c04fb68820');
  });

  it('finds nothing in the benign captures', async () => {
    for (const file of ['benign/home_browsing_tls_dns.pcap', 'benign/ssh_admin_sessions_internal.pcap', 'benign/http_espn_pageload.pcapng']) expect(await requestsIn(file), file).toEqual([]);
  });

  // Hand-made segments: Ethernet + IPv4 + TCP (ACK|PSH) from 10.0.0.31:50000 to 10.0.0.10:<port>.
  const frame = (dstPort: number, payload: Buffer, srcPort = 50000): Packet => {
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(srcPort, 0);
    tcp.writeUInt16BE(dstPort, 2);
    tcp[12] = 0x50;
    tcp[13] = 0x18;
    const ip = Buffer.from('450000000001400040060000' + '0a00001f' + '0a00000a', 'hex');
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    const bytes = Buffer.concat([Buffer.from('020000000002020000000001' + '0800', 'hex'), ip, tcp, payload]);
    return decodeFrame(1, bytes, 0, bytes.length, bytes.length, 0, 0);
  };
  const smb2 = (command: number, body: Buffer, flags = 0, next = 0): Buffer => {
    const h = Buffer.alloc(64);
    h.write('fe534d42', 0, 'hex');
    h.writeUInt16LE(64, 4);
    h.writeUInt16LE(command, 12);
    h.writeUInt32LE(flags, 16);
    h.writeUInt32LE(next, 20);
    return Buffer.concat([h, body]);
  };
  const netbios = (...messages: Buffer[]): Buffer => {
    const m = Buffer.concat(messages);
    const n = Buffer.alloc(4);
    n.writeUIntBE(m.length, 1, 3);
    return Buffer.concat([n, m]);
  };
  const treeConnect = (path: string): Buffer => {
    const name = Buffer.from(path, 'utf16le');
    const body = Buffer.alloc(8);
    body.writeUInt16LE(9, 0);
    body.writeUInt16LE(64 + 8, 4);
    body.writeUInt16LE(name.length, 6);
    return Buffer.concat([body, name]);
  };
  const bind = (uuidBytes: string, drep = 0x10, type = 11): Buffer => {
    const b = Buffer.alloc(72);
    b[0] = 5;
    b[2] = type;
    b[3] = 3;
    b[4] = drep;
    b.writeUInt16LE(72, 8);
    b[24] = 1; // one context
    b[30] = 1;
    b.write(uuidBytes, 32, 'hex');
    return b;
  };
  // svcctl's UUID in little-endian (the form Windows sends) and big-endian byte order.
  const SVCCTL_LE = '81bb7a364498f135ad3298f038001003';
  const SVCCTL_BE = '367abb81984435f1ad3298f038001003';

  it('reads a share and a bind in either byte order, a request compounded after another, and ignores replies', () => {
    expect(frame(445, netbios(smb2(3, treeConnect('\\\\fs01\\c$')))).smbRpc).toBe('share:C$');
    expect(frame(135, bind(SVCCTL_LE)).smbRpc).toBe(SVCCTL);
    expect(frame(135, bind(SVCCTL_BE, 0x00)).smbRpc).toBe(SVCCTL);
    expect(frame(49670, bind(SVCCTL_LE, 0x10, 14)).smbRpc).toBe(SVCCTL);
    const create = smb2(5, Buffer.alloc(56));
    create.writeUInt32LE(create.length, 20);
    expect(frame(445, netbios(create, smb2(3, treeConnect('\\\\dc1\\ADMIN$')))).smbRpc).toBe('share:ADMIN$');
    expect(frame(445, netbios(smb2(3, treeConnect('\\\\dc1\\ADMIN$'), 1))).smbRpc).toBeNull();
  });

  it('leaves smbRpc null for what is not one whole request: a cut segment, an encrypted message, a bind with no context, SMB on another port', () => {
    const whole = netbios(smb2(3, treeConnect('\\\\dc1\\ADMIN$')));
    expect(frame(445, whole.subarray(0, whole.length - 4)).smbRpc).toBeNull();
    const encrypted = Buffer.from(whole);
    encrypted[4] = 0xfd;
    expect(frame(445, encrypted).smbRpc).toBeNull();
    const noContext = bind(SVCCTL_LE);
    noContext[24] = 0;
    expect(frame(135, noContext).smbRpc).toBeNull();
    expect(frame(135, bind(SVCCTL_LE).subarray(0, 40)).smbRpc).toBeNull();
    expect(frame(8445, whole).smbRpc).toBeNull();
    const request = bind(SVCCTL_LE);
    request[2] = 0; // a DCE-RPC request, not a bind
    expect(frame(135, request).smbRpc).toBeNull();
  });
});

describe('SMB1 requests (Packet.smbRpc)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-smb1-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Ethernet + IPv4 + TCP (ACK|PSH) 10.0.0.31:<port> -> 10.0.0.10:445, NetBIOS, then the SMB1 message (a stream of its own per port). */
  const frame = (smb: Buffer, port: number): Buffer => {
    const netbios = Buffer.alloc(4);
    netbios.writeUIntBE(smb.length, 1, 3);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(port, 0);
    tcp.writeUInt16BE(445, 2);
    tcp.writeUInt32BE(1, 4);
    tcp.writeUInt32BE(1, 8);
    tcp[12] = 0x50;
    tcp[13] = 0x18;
    tcp.writeUInt16BE(65535, 14);
    const ip = Buffer.from('450000000001400040060000' + '0a00001f' + '0a00000a', 'hex');
    ip.writeUInt16BE(20 + 20 + 4 + smb.length, 2);
    return Buffer.concat([Buffer.from('020000000002020000000001' + '0800', 'hex'), ip, tcp, netbios, smb]);
  };
  /** The 32-byte SMB1 header; flags2 0xc807 (Unicode) or 0x4807 (OEM strings). */
  const header = (command: number, { reply = false, unicode = true } = {}): Buffer => {
    const h = Buffer.alloc(32);
    h.write('ff534d42', 0, 'hex');
    h[4] = command;
    h[9] = reply ? 0x98 : 0x18;
    h.writeUInt16LE(unicode ? 0xc807 : 0x4807, 10);
    h.writeUInt16LE(2048, 24);
    h.writeUInt16LE(100, 28);
    return h;
  };
  /** A word block: the word count, the words, the byte count and the bytes. */
  const block = (words: Buffer, bytes: Buffer): Buffer => {
    const count = Buffer.alloc(2);
    count.writeUInt16LE(bytes.length, 0);
    return Buffer.concat([Buffer.from([words.length / 2]), words, count, bytes]);
  };
  const treeConnectWords = (): Buffer => {
    const w = Buffer.alloc(8);
    w[0] = 0xff; // no further command
    w.writeUInt16LE(0x0008, 4);
    w.writeUInt16LE(1, 6); // a one-byte password
    return w;
  };
  /** Password byte, the padding to an even offset from the header when Unicode, the path, the service. */
  const treeConnectBytes = (path: string, offsetFromHeader: number, unicode: boolean): Buffer => {
    const pad = unicode && (offsetFromHeader + 1) % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0);
    const name = unicode ? Buffer.from(`${path}\0`, 'utf16le') : Buffer.from(`${path}\0`, 'latin1');
    return Buffer.concat([Buffer.alloc(1), pad, name, Buffer.from('?????\0', 'latin1')]);
  };
  const treeConnect = (path: string, unicode = true, reply = false): Buffer => Buffer.concat([header(0x75, { unicode, reply }), block(treeConnectWords(), treeConnectBytes(path, 32 + 1 + 8 + 2, unicode))]);
  /** A session setup whose AndX chain goes on to a tree connect, in one message. */
  const sessionSetupThenTreeConnect = (path: string): Buffer => {
    const words = Buffer.alloc(24);
    words[0] = 0x75;
    words.writeUInt16LE(4356, 4);
    words.writeUInt16LE(50, 6);
    words.writeUInt32LE(0x8000e05c, 20);
    const first = block(words, Buffer.alloc(0));
    const next = 32 + first.length;
    words.writeUInt16LE(next, 2);
    const second = block(treeConnectWords(), treeConnectBytes(path, next + 1 + 8 + 2, true));
    return Buffer.concat([header(0x73), block(words, Buffer.alloc(0)), second]);
  };
  /** A DCE-RPC bind to svcctl (little-endian, one context), 72 bytes. */
  const svcctlBind = (): Buffer => {
    const b = Buffer.alloc(72);
    b[0] = 5;
    b[2] = 11;
    b[3] = 3;
    b[4] = 0x10;
    b.writeUInt16LE(72, 8);
    b.writeUInt16LE(4280, 16);
    b.writeUInt16LE(4280, 18);
    b[24] = 1;
    b[30] = 1;
    b.write('81bb7a364498f135ad3298f038001003', 32, 'hex');
    b.writeUInt16LE(2, 48);
    b.write('045d888aeb1cc9119fe808002b104860', 52, 'hex'); // NDR transfer syntax
    b.writeUInt32LE(2, 68);
    return b;
  };
  /** TransactNmPipe on \\PIPE\\ carrying the bind. */
  const transaction = (): Buffer => {
    const data = svcctlBind();
    const words = Buffer.alloc(32);
    words.writeUInt16LE(data.length, 2); // total data
    words.writeUInt16LE(1024, 6); // max data
    const nameAt = 32 + 1 + 32 + 2;
    const name = Buffer.concat([Buffer.alloc(nameAt % 2), Buffer.from('\\PIPE\\\0', 'utf16le')]);
    const dataAt = nameAt + name.length + ((4 - ((nameAt + name.length) % 4)) % 4);
    words.writeUInt16LE(dataAt, 20); // parameter offset (no parameters)
    words.writeUInt16LE(data.length, 22);
    words.writeUInt16LE(dataAt, 24);
    words[26] = 2; // setup count
    words.writeUInt16LE(0x0026, 28); // TransactNmPipe
    words.writeUInt16LE(0x4000, 30); // FID
    return Buffer.concat([header(0x25), block(words, Buffer.concat([name, Buffer.alloc(dataAt - nameAt - name.length), data]))]);
  };
  /** WRITE_ANDX of the bind to a pipe's FID. */
  const writeAndX = (): Buffer => {
    const data = svcctlBind();
    const words = Buffer.alloc(28);
    words[0] = 0xff;
    words.writeUInt16LE(0x4000, 4);
    words.writeUInt16LE(0x0008, 14); // message start
    words.writeUInt16LE(data.length, 20);
    words.writeUInt16LE(32 + 1 + 28 + 2 + 1, 22);
    return Buffer.concat([header(0x2f), block(words, Buffer.concat([Buffer.alloc(1), data]))]);
  };

  it('reads a tree connect (Unicode or OEM, alone or after a session setup) and a bind in a transaction or write, and agrees with tshark', async () => {
    const messages = [
      treeConnect('\\\\FS01\\ADMIN$'),
      treeConnect('\\\\FS01\\c$', false),
      sessionSetupThenTreeConnect('\\\\10.0.0.10\\IPC$'),
      transaction(),
      writeAndX(),
      treeConnect('\\\\FS01\\ADMIN$', true, true), // a reply
    ];
    const file = join(dir, 'smb1.pcap');
    writeFileSync(file, buildPcap(messages.map((m, i) => ({ data: frame(m, 50000 + i), ts: 1_700_000_000_000_000 + i }))));
    const packets: Packet[] = [];
    for await (const chunk of await openCaptureFile(file)) packets.push(...chunk);
    expect(packets.map((p) => p.smbRpc)).toEqual(['share:ADMIN$', 'share:C$', 'share:IPC$', SVCCTL, SVCCTL, null]);
    const rows = await runTshark(file);
    expect(rows).toHaveLength(messages.length);
    for (let i = 0; i < rows.length; i++) expect(comparePacket(packets[i], rows[i]), `frame ${i + 1}`).toBeNull();
  });

  it('reads mutated SMB1 requests (word counts, offsets, AndX chains) without throwing', () => {
    const frames = [treeConnect('\\\\FS01\\ADMIN$'), sessionSetupThenTreeConnect('\\\\FS01\\C$'), transaction(), writeAndX()].map((m) => frame(m, 50000));
    let found = 0;
    // Past Ethernet, IPv4, TCP and NetBIOS (58 bytes): the SMB1 header, words and bytes.
    for (const buf of mutatedFrames(frames, { seed: 11, count: 20_000, from: 58, maxCut: 30, maxChanges: 4 })) {
      if (decodeFrame(1, buf, 0, buf.length, buf.length, 0, 0).smbRpc !== null) found++;
    }
    expect(found).toBeGreaterThan(1000);
    expect(decoderFaults.count).toBe(0);
  });
});
