/**
 * Runs tshark once over a capture and compares our decode of every frame with it, field by
 * field. tshark's conventions that differ from ours on purpose, and how they are compared:
 *  - tshark is run with IPv4/IPv6 reassembly and TCP desegmentation off: the sensor decodes
 *    each packet on its own (no reassembly on the packet path), so transport and application
 *    fields come from the first fragment / the segment itself, as ours do.
 *  - A field can occur several times (ICMP errors quote the offending IP header, tunnels
 *    carry an inner IP header): the outer header is the first occurrence, and ours is compared
 *    with that. Ports, DNS and TLS fields that tshark shows only from such an inner packet
 *    (our decode stops at the outer ICMP / tunnel header) are not compared.
 *  - IPv6 protocol: tshark has no single field, so the chain ipv6.nxt -> *.nxt of the
 *    extension headers is followed to its end, as our decoder does.
 *  - tcp.flags holds 12 bits including 3 reserved ones; ours holds the 9 defined flags.
 *  - DNS: names are compared as tshark displays them (see tsharkDisplay); the root name prints as "<Root>" in tshark and "" in ours; rcode is compared for
 *    responses only (tshark omits the field in queries).
 *  - Cisco ISL frames (Ethernet in Ethernet): tshark shows the inner frame's MAC addresses;
 *    we decode the outer 802.3 header.
 *  - TLS SNI that tshark cannot show with desegmentation off (see sniBeyondTshark).
 *  - TLS SNI of QUIC (UDP) Initial packets: tshark decrypts QUIC Initials; the sensor does
 *    not decrypt anything, so SNI is compared on TCP only.
 *  - smbRpc: tshark's SMB2 or SMB1 tree connect request path (smb2.tree, smb.path: its last
 *    component upper case) or DCE-RPC bind / alter-context interface (dcerpc.cn_bind_to_uuid, the first). A
 *    bind longer than its segment shows no interface in tshark (no partial PDU with
 *    desegmentation off); we read it from the segment's first 48 bytes, so it is not compared.
 */
import { execFile } from 'node:child_process';
import type { Packet } from '../../../services/common/model.ts';

export const TSHARK_FIELDS = [
  'frame.number',
  'frame.protocols',
  'eth.src',
  'eth.dst',
  'vlan.id',
  'ip.src',
  'ip.dst',
  'ip.proto',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.nxt',
  'ipv6.hopopts.nxt',
  'ipv6.routing.nxt',
  'ipv6.dstopts.nxt',
  'ipv6.fraghdr.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'dns.flags.response',
  'dns.qry.name',
  'dns.qry.type',
  'dns.flags.rcode',
  'tcp.len',
  'tls.record.length',
  'tls.handshake.extensions_server_name',
  'smb2.cmd',
  'smb2.flags.response',
  'smb2.tree',
  'dcerpc.pkt_type',
  'dcerpc.cn_bind_to_uuid',
  'dcerpc.cn_frag_len',
  'smb.cmd',
  'smb.flags.response',
  'smb.path',
] as const;

type FieldName = (typeof TSHARK_FIELDS)[number];
export type TsharkRow = Record<FieldName, string[]>;

const SEP = '\u0001';
const AGG = '\u0002';

export async function runTshark(file: string): Promise<TsharkRow[]> {
  const args = [
    '-n',
    '-r',
    file,
    '-o',
    'tcp.desegment_tcp_streams:FALSE',
    '-o',
    'ip.defragment:FALSE',
    '-o',
    'ipv6.defragment:FALSE',
    '-T',
    'fields',
    '-E',
    `separator=${SEP}`,
    '-E',
    `aggregator=${AGG}`,
    '-E',
    'occurrence=a',
    ...TSHARK_FIELDS.flatMap((f) => ['-e', f]),
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 1 << 30, encoding: 'utf8' }, (err, out) => (err ? reject(err) : resolve(out)));
  });
  const rows: TsharkRow[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const cols = line.split(SEP);
    const row = {} as TsharkRow;
    TSHARK_FIELDS.forEach((name, i) => {
      const v = cols[i] ?? '';
      row[name] = v === '' ? [] : v.split(AGG);
    });
    rows.push(row);
  }
  return rows;
}

export interface Mismatch {
  frame: number;
  field: string;
  ours: string;
  tshark: string;
}

const first = (v: string[]): string | undefined => v[0];

function ipv6FinalNext(row: TsharkRow): number | undefined {
  const start = first(row['ipv6.nxt']);
  if (start === undefined) return undefined;
  let next: string = start;
  const used: Record<string, number> = {};
  const chain: Record<string, FieldName> = { '0': 'ipv6.hopopts.nxt', '43': 'ipv6.routing.nxt', '60': 'ipv6.dstopts.nxt', '44': 'ipv6.fraghdr.nxt' };
  for (let guard = 0; guard < 16; guard++) {
    const field: FieldName | undefined = chain[next];
    if (field === undefined) break;
    const i = used[field] ?? 0;
    const value: string | undefined = row[field][i];
    if (value === undefined) break;
    used[field] = i + 1;
    next = value;
  }
  return Number(next);
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}]/u;

/**
 * tshark escapes characters it cannot print when it writes a string field (glib's
 * g_unichar_isprint: control, format, unassigned, private-use and surrogate code points);
 * our records keep the characters, so the comparison applies the same display rule to ours.
 */
function tsharkDisplay(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      out += c >= 0x20 && c < 0x7f ? ch : `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (NOT_PRINTABLE.test(ch)) {
      out += c > 0xffff ? `\\U${c.toString(16).toUpperCase().padStart(8, '0')}` : `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/**
 * Where we read an SNI that tshark (desegmentation off) cannot show: a ClientHello record
 * longer than this segment (tshark parses no partial record; we read the SNI when it lies in
 * the segment), or a ClientHello on a port another dissector claims (RDP's TPKT on 3389 starts
 * TLS inside the same TCP stream; we recognise TLS by content, not by port).
 */
function sniBeyondTshark(row: TsharkRow, protocols: string): boolean {
  if (!protocols.includes(':tls:')) return true;
  const record = first(row['tls.record.length']);
  // tshark leaves tls.record.length empty when the record does not fit in the segment.
  if (record === undefined) return true;
  return Number(record) + 5 > Number(first(row['tcp.len']) ?? '0');
}

/**
 * What tshark shows as Packet.smbRpc: the first bind or alter-context interface, else the first
 * tree connect request's share ('' for none); null where tshark cannot show it (see above).
 */
function tsharkSmbRpc(row: TsharkRow): string | null {
  const bind = row['dcerpc.pkt_type'].findIndex((t) => t === '11' || t === '14');
  const uuid = first(row['dcerpc.cn_bind_to_uuid']);
  if (bind >= 0 && uuid !== undefined) return `bind:${uuid}`;
  if (bind >= 0 && Number(row['dcerpc.cn_frag_len'][bind]) > Number(first(row['tcp.len']) ?? '0')) return null;
  const connect = row['smb2.cmd'].findIndex((c, i) => c === '3' && row['smb2.flags.response'][i] === '0');
  const tree = connect >= 0 ? row['smb2.tree'][connect] : row['smb.cmd'].includes('0x75') && first(row['smb.flags.response']) === '0' ? first(row['smb.path']) : undefined;
  return tree !== undefined ? `share:${tree.slice(tree.lastIndexOf('\\') + 1).toUpperCase()}` : '';
}

/** The first difference between our packet and tshark's row, or null. */
export function comparePacket(p: Packet, row: TsharkRow): Mismatch | null {
  const frame = Number(first(row['frame.number']));
  const diff = (field: string, ours: unknown, theirs: unknown): Mismatch | null =>
    String(ours) === String(theirs) ? null : { frame, field, ours: String(ours), tshark: String(theirs) };
  const checks: Array<() => Mismatch | null> = [];
  const layered = row['ip.src'].length + row['ipv6.src'].length > 1;

  const protocols = `:${first(row['frame.protocols']) ?? ''}:`;
  // Cisco ISL frames are 802.3 frames to 01:00:0c:00:00:00 wrapping a whole inner Ethernet
  // frame (tshark: "eth:eth:..."); tshark's eth.* fields are the inner frame's, our decode
  // stops at the outer 802.3 header.
  const nestedEthernet = protocols.indexOf(':eth:') !== protocols.lastIndexOf(':eth:');
  if (p.linkType === 1 && row['eth.src'].length > 0 && !nestedEthernet) {
    checks.push(() => diff('eth.src', p.srcMac, first(row['eth.src'])));
    checks.push(() => diff('eth.dst', p.dstMac, first(row['eth.dst'])));
  }
  checks.push(() => diff('vlan.id', p.vlanIds.join(','), row['vlan.id'].join(',')));

  const v4 = first(row['ip.src']) !== undefined && (row['ipv6.src'].length === 0 || p.ipVersion === 4);
  const v6 = !v4 && first(row['ipv6.src']) !== undefined;
  if (v4) {
    checks.push(() => diff('ip.version', p.ipVersion, 4));
    checks.push(() => diff('ip.src', p.src, first(row['ip.src'])));
    checks.push(() => diff('ip.dst', p.dst, first(row['ip.dst'])));
    checks.push(() => diff('ip.proto', p.protocol, first(row['ip.proto'])));
  } else if (v6) {
    checks.push(() => diff('ip.version', p.ipVersion, 6));
    checks.push(() => diff('ipv6.src', p.src, first(row['ipv6.src'])));
    checks.push(() => diff('ipv6.dst', p.dst, first(row['ipv6.dst'])));
    checks.push(() => diff('ipv6.nxt (end of chain)', p.protocol, ipv6FinalNext(row)));
  } else {
    checks.push(() => diff('ip.src', p.src, ''));
  }

  if (p.protocol === 6 || p.protocol === 17) {
    const proto = p.protocol === 6 ? 'tcp' : 'udp';
    const sp = first(row[`${proto}.srcport`]);
    // Non-first fragments have no transport header in either decode.
    if (sp !== undefined || !p.fragment) {
      checks.push(() => diff(`${proto}.srcport`, p.srcPort, sp ?? -1));
      checks.push(() => diff(`${proto}.dstport`, p.dstPort, first(row[`${proto}.dstport`]) ?? -1));
    }
    if (p.protocol === 6 && sp !== undefined) {
      checks.push(() => diff('tcp.flags', p.tcpFlags, Number.parseInt(first(row['tcp.flags']) ?? '0', 16) & 0x1ff));
    }
  } else if (!layered) {
    checks.push(() => diff('tcp.srcport', -1, first(row['tcp.srcport']) ?? -1));
    checks.push(() => diff('udp.srcport', -1, first(row['udp.srcport']) ?? -1));
  }

  if (p.protocol === 1 || p.protocol === 58) {
    const f = p.protocol === 1 ? 'icmp' : 'icmpv6';
    checks.push(() => diff(`${f}.type`, p.icmpType, first(row[`${f}.type`]) ?? -1));
    checks.push(() => diff(`${f}.code`, p.icmpCode, first(row[`${f}.code`]) ?? -1));
  } else {
    checks.push(() => diff('icmp.type', p.icmpType, layered ? -1 : (first(row['icmp.type']) ?? first(row['icmpv6.type']) ?? -1)));
  }

  const arpOp = first(row['arp.opcode']);
  checks.push(() => diff('arp.opcode', p.arp?.op ?? '', arpOp ?? ''));
  if (p.arp && arpOp !== undefined) {
    const arp = p.arp;
    checks.push(() => diff('arp.src.hw_mac', arp.senderMac, first(row['arp.src.hw_mac'])));
    checks.push(() => diff('arp.src.proto_ipv4', arp.senderIp, first(row['arp.src.proto_ipv4'])));
    checks.push(() => diff('arp.dst.hw_mac', arp.targetMac, first(row['arp.dst.hw_mac'])));
    checks.push(() => diff('arp.dst.proto_ipv4', arp.targetIp, first(row['arp.dst.proto_ipv4'])));
  }

  const dnsIsOuter = !(p.protocol === 1 || p.protocol === 58 || layered);
  if (dnsIsOuter) {
    const qname = first(row['dns.qry.name']);
    const theirs = row['dns.flags.response'].length > 0;
    checks.push(() => diff('dns (present)', p.dns !== null, theirs));
    if (p.dns && theirs) {
      const dns = p.dns;
      checks.push(() => diff('dns.qry.name', dns.qname === '' && qname !== undefined ? '<Root>' : tsharkDisplay(dns.qname), qname ?? ''));
      checks.push(() => diff('dns.qry.type', dns.qtype, first(row['dns.qry.type']) ?? 0));
      if (dns.response) checks.push(() => diff('dns.flags.rcode', dns.rcode, first(row['dns.flags.rcode']) ?? ''));
    }
    const sni = first(row['tls.handshake.extensions_server_name']);
    if (p.protocol === 6 && !(p.tlsSni !== null && sni === undefined && sniBeyondTshark(row, protocols))) {
      checks.push(() => diff('tls.handshake.extensions_server_name', p.tlsSni ?? '', sni ?? ''));
    }
  }

  const smbRpc = p.protocol === 6 ? tsharkSmbRpc(row) : null;
  if (smbRpc !== null) checks.push(() => diff('smbRpc (smb2.tree / dcerpc.cn_bind_to_uuid)', p.smbRpc ?? '', smbRpc));

  for (const check of checks) {
    const m = check();
    if (m) return m;
  }
  return null;
}
