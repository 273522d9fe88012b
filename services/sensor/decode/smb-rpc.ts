/**
 * The Windows remote-administration request a TCP segment starts, as Packet.smbRpc:
 *   - 'share:<NAME>' for an SMB2 TREE_CONNECT or SMB1 TREE_CONNECT_ANDX request (the share of
 *     \\server\NAME, upper case: ADMIN$ and C$ are how PsExec and its kin copy their service
 *     binary),
 *   - 'bind:<uuid>' for a DCE-RPC bind or alter-context (the first context's interface: svcctl
 *     creates services, atsvc and ITaskSchedulerService schedule tasks, ISystemActivator and
 *     IWbemLevel1Login are DCOM and WMI), sent over TCP itself (port 135, dynamic RPC ports) or
 *     inside a write to a named pipe (SMB2 WRITE or IOCTL, SMB1 WRITE_ANDX or TRANSACTION).
 * These are the operations that tell remote execution from a workstation using its file server
 * (Zeek's smb_mapping and dce_rpc logs hold the same facts). Read from the segment's first bytes
 * like the TLS SNI and the HTTP Host: a request split over segments and SMB3 sessions that
 * encrypt their messages (transform header) show nothing.
 */
import type { Packet } from '../../common/model.ts';
import { u16le, u32le } from './bytes.ts';

const SMB2_HEADER = 64;
const SMB1_HEADER = 32;
const SMB1_FLAGS_REPLY = 0x80;
const SMB1_FLAGS2_UNICODE = 0x8000;
const SMB1_TRANSACTION = 0x25;
const SMB1_WRITE_ANDX = 0x2f;
const SMB1_TREE_CONNECT_ANDX = 0x75;
/** SMB1 commands whose first words name the next command of the chain (AndX). */
const SMB1_ANDX = new Set([0x24, 0x2d, 0x2e, 0x2f, 0x73, 0x74, 0x75, 0xa2]);
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

/** Where a UUID's first 8 bytes (time_low, time_mid, time_hi) lie in a little- or big-endian bind. */
const UUID_LE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6];
const UUID_BE_ORDER = [0, 1, 2, 3, 4, 5, 6, 7];

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Sets p.smbRpc from the TCP payload buf[off..end) when it starts one of the requests above. */
export function decodeSmbRpc(p: Packet, buf: Buffer, off: number, end: number): void {
  const first = buf[off];
  if (first === 0x05) p.smbRpc = dcerpcBind(buf, off, end);
  else if (first === 0x00) p.smbRpc = smbRequest(buf, off, end);
}

/** A NetBIOS session message (type 0, 3-byte length) holding SMB2 or SMB1 requests. */
function smbRequest(buf: Buffer, off: number, end: number): string | null {
  if (end - off < 4 + SMB1_HEADER + 3) return null;
  const messageEnd = Math.min(end, off + 4 + ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]));
  const header = off + 4;
  if (buf[header] === 0xff && buf[header + 1] === 0x53 && buf[header + 2] === 0x4d && buf[header + 3] === 0x42) return smb1Request(buf, header, messageEnd);
  return smb2Request(buf, header, messageEnd);
}

/** SMB2 messages from header on (compounded ones through NextCommand). */
function smb2Request(buf: Buffer, first: number, messageEnd: number): string | null {
  let header = first;
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

/**
 * An SMB1 request: its command and the AndX commands chained after it (a session setup, then a
 * tree connect, in one message). Offsets in SMB1 count from the header.
 */
function smb1Request(buf: Buffer, header: number, end: number): string | null {
  if ((buf[header + 9] & SMB1_FLAGS_REPLY) !== 0) return null;
  const unicode = (u16le(buf, header + 10) & SMB1_FLAGS2_UNICODE) !== 0;
  let command = buf[header + 4];
  let block = header + SMB1_HEADER;
  for (let i = 0; i < MAX_CHAIN && block + 3 <= end; i++) {
    const words = block + 1;
    const wordCount = buf[block];
    const bytes = words + 2 * wordCount + 2;
    if (bytes > end) return null;
    const byteCount = u16le(buf, bytes - 2);
    if (command === SMB1_TREE_CONNECT_ANDX && wordCount >= 4) {
      let path = bytes + u16le(buf, words + 6);
      const stop = Math.min(end, bytes + byteCount, path + MAX_PATH * 2);
      if (path >= stop) return null;
      if (!unicode) return shareOf(buf.toString('latin1', path, terminator(buf, path, stop, 1)));
      if (((path - header) & 1) !== 0) path++;
      return shareOf(buf.toString('utf16le', path, terminator(buf, path, stop, 2)));
    }
    if (command === SMB1_WRITE_ANDX && wordCount >= 12) return smb1Data(buf, header, end, u16le(buf, words + 22), u16le(buf, words + 20));
    if (command === SMB1_TRANSACTION && wordCount >= 14) return smb1Data(buf, header, end, u16le(buf, words + 24), u16le(buf, words + 22));
    if (!SMB1_ANDX.has(command) || wordCount < 2 || buf[words] === 0xff) return null;
    const next = header + u16le(buf, words + 2);
    if (next <= block) return null;
    command = buf[words];
    block = next;
  }
  return null;
}

/** A DCE-RPC bind in the data of an SMB1 write or transaction (offset from the header). */
function smb1Data(buf: Buffer, header: number, end: number, offset: number, length: number): string | null {
  const data = header + offset;
  return offset >= SMB1_HEADER && data < end ? dcerpcBind(buf, data, Math.min(end, data + length)) : null;
}

/** Where the string at buf[from..stop) ends: its NUL (one byte, or two aligned), or stop. */
function terminator(buf: Buffer, from: number, stop: number, width: 1 | 2): number {
  for (let i = from; i + width <= stop; i += width) if (buf[i] === 0 && (width === 1 || buf[i + 1] === 0)) return i;
  return stop - ((stop - from) % width);
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
  const order = littleEndian ? UUID_LE_ORDER : UUID_BE_ORDER;
  let s = 'bind:';
  for (let i = 0; i < 8; i++) {
    s += HEX[buf[u + order[i]]];
    if (i === 3 || i === 5 || i === 7) s += '-';
  }
  s += `${HEX[buf[u + 8]]}${HEX[buf[u + 9]]}-`;
  for (let i = 10; i < 16; i++) s += HEX[buf[u + i]];
  return s;
}
