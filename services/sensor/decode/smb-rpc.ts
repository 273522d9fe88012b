/**
 * The Windows remote-administration request a TCP segment starts, as Packet.smbRpc:
 *   - 'share:<NAME>' for an SMB2 TREE_CONNECT request (the share of \\server\NAME, upper case:
 *     ADMIN$ and C$ are how PsExec and its kin copy their service binary),
 *   - 'bind:<uuid>' for a DCE-RPC bind or alter-context (the first context's interface: svcctl
 *     creates services, atsvc and ITaskSchedulerService schedule tasks, ISystemActivator and
 *     IWbemLevel1Login are DCOM and WMI), sent over TCP itself (port 135, dynamic RPC ports) or
 *     inside an SMB2 WRITE or IOCTL to a named pipe.
 * These are the operations that tell remote execution from a workstation using its file server
 * (Zeek's smb_mapping and dce_rpc logs hold the same facts). Read from the segment's first bytes
 * like the TLS SNI and the HTTP Host: a request split over segments, SMB1, and SMB3 sessions
 * that encrypt their messages (transform header) show nothing.
 */
import type { Packet } from '../../common/model.ts';
import { u16le, u32le } from './bytes.ts';

const SMB2_HEADER = 64;
const SMB2_TREE_CONNECT = 0x0003;
const SMB2_WRITE = 0x0009;
const SMB2_IOCTL = 0x000b;
const SMB2_FLAGS_SERVER_TO_REDIR = 0x1;
/** SMB2 messages compounded in one NetBIOS message that are looked at, at most. */
const MAX_CHAIN = 8;
/** Longest share path read (characters). */
const MAX_PATH = 256;

const DCERPC_BIND = 11;
const DCERPC_ALTER_CONTEXT = 14;
/** Common header (16) + max_xmit_frag, max_recv_frag, assoc_group_id (8) + context count (4) + id, transfer count (4) + the interface UUID (16). */
const DCERPC_BIND_UUID_END = 48;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Sets p.smbRpc from the TCP payload buf[off..end) when it starts one of the requests above. */
export function decodeSmbRpc(p: Packet, buf: Buffer, off: number, end: number): void {
  const first = buf[off];
  if (first === 0x05) p.smbRpc = dcerpcBind(buf, off, end);
  else if (first === 0x00) p.smbRpc = smb2Request(buf, off, end);
}

/** A NetBIOS session message (type 0, 3-byte length) holding SMB2 requests. */
function smb2Request(buf: Buffer, off: number, end: number): string | null {
  if (end - off < 4 + SMB2_HEADER) return null;
  const messageEnd = Math.min(end, off + 4 + ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]));
  let header = off + 4;
  for (let i = 0; i < MAX_CHAIN && header + SMB2_HEADER <= messageEnd; i++) {
    if (buf[header] !== 0xfe || buf[header + 1] !== 0x53 || buf[header + 2] !== 0x4d || buf[header + 3] !== 0x42) return null;
    if ((u32le(buf, header + 16) & SMB2_FLAGS_SERVER_TO_REDIR) === 0) {
      const found = smb2Command(buf, header, messageEnd, u16le(buf, header + 12));
      if (found !== null) return found;
    }
    const next = u32le(buf, header + 20);
    if (next < SMB2_HEADER) return null;
    header += next;
  }
  return null;
}

function smb2Command(buf: Buffer, header: number, end: number, command: number): string | null {
  const body = header + SMB2_HEADER;
  if (command === SMB2_TREE_CONNECT) {
    if (body + 8 > end) return null;
    const path = header + u16le(buf, body + 4);
    const length = Math.min(u16le(buf, body + 6), MAX_PATH * 2);
    if (path < body + 8 || path + length > end || length < 2) return null;
    return shareOf(buf.toString('utf16le', path, path + (length & ~1)));
  }
  if (command === SMB2_WRITE) {
    if (body + 8 > end) return null;
    const data = header + u16le(buf, body + 2);
    return data >= body + 8 && data < end ? dcerpcBind(buf, data, end) : null;
  }
  if (command === SMB2_IOCTL) {
    if (body + 32 > end) return null;
    const input = header + u32le(buf, body + 24);
    return u32le(buf, body + 28) > 0 && input >= body + 32 && input < end ? dcerpcBind(buf, input, end) : null;
  }
  return null;
}

/** 'share:ADMIN$' from '\\dc1\ADMIN$' (the last path component, upper case). */
function shareOf(path: string): string | null {
  const name = path.slice(path.lastIndexOf('\\') + 1);
  return name.length > 0 ? `share:${name.toUpperCase()}` : null;
}

/** 'bind:<uuid>' when buf[off..end) is a DCE-RPC v5 bind or alter-context with a context. */
function dcerpcBind(buf: Buffer, off: number, end: number): string | null {
  if (end - off < DCERPC_BIND_UUID_END || buf[off] !== 5 || buf[off + 1] !== 0) return null;
  const type = buf[off + 2];
  if ((type !== DCERPC_BIND && type !== DCERPC_ALTER_CONTEXT) || buf[off + 24] === 0) return null;
  // The data representation's integer format: little-endian (0x10) is what Windows sends.
  const littleEndian = (buf[off + 4] & 0x10) !== 0;
  const u = off + 32;
  const order = littleEndian ? [3, 2, 1, 0, 5, 4, 7, 6] : [0, 1, 2, 3, 4, 5, 6, 7];
  let s = 'bind:';
  for (let i = 0; i < 8; i++) {
    s += HEX[buf[u + order[i]]];
    if (i === 3 || i === 5 || i === 7) s += '-';
  }
  s += `${HEX[buf[u + 8]]}${HEX[buf[u + 9]]}-`;
  for (let i = 10; i < 16; i++) s += HEX[buf[u + i]];
  return s;
}
