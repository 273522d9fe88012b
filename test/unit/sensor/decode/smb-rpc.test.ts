/**
 * Packet.smbRpc (sensor/decode/smb-rpc.ts): the SMB2 shares and DCE-RPC interfaces Windows
 * clients ask for, on the labelled lateral-movement captures (where tshark shows the same
 * requests) and on hand-made segments for the cases those do not hold.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Packet } from '../../../../services/common/model.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { decodeFrame } from '../../../../services/sensor/decode/frame.ts';

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
