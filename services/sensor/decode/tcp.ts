/**
 * TCP: ports, flags, raw sequence numbers, window and payload length; then the first bytes of
 * the payload for DNS over TCP, a TLS ClientHello SNI, an HTTP request Host, or an SMB2 share
 * or DCE-RPC interface a Windows client asks for.
 */
import { DecodeFlag, type Packet } from '../../common/model.ts';
import { decodeDns } from './dns.ts';
import { decodeHttpHost } from './http-host.ts';
import { decodeSmbRpc } from './smb-rpc.ts';
import { decodeTlsSni } from './tls-sni.ts';
import { u16be, u32be } from './bytes.ts';

export function decodeTcp(p: Packet, buf: Buffer, off: number, end: number, l4Length: number): void {
  if (end - off < 4) {
    p.decodeFlags |= DecodeFlag.Truncated;
    return;
  }
  const srcPort = u16be(buf, off);
  const dstPort = u16be(buf, off + 2);
  p.srcPort = srcPort;
  p.dstPort = dstPort;
  if (end - off < 20) {
    p.decodeFlags |= DecodeFlag.Truncated;
    if (end - off >= 8) p.tcpSeq = u32be(buf, off + 4);
    if (end - off >= 12) p.tcpAck = u32be(buf, off + 8);
    if (end - off >= 14) p.tcpFlags = ((buf[off + 12] & 1) << 8) | buf[off + 13];
    return;
  }
  p.tcpSeq = u32be(buf, off + 4);
  p.tcpAck = u32be(buf, off + 8);
  const doff = buf[off + 12];
  p.tcpFlags = ((doff & 1) << 8) | buf[off + 13];
  p.tcpWindow = u16be(buf, off + 14);
  const headerLength = (doff >> 4) * 4;
  if (headerLength < 20 || headerLength > l4Length) {
    p.decodeFlags |= DecodeFlag.Malformed;
    return;
  }
  const payloadLength = l4Length - headerLength;
  p.payloadLength = payloadLength;
  const payload = off + headerLength;
  if (payloadLength === 0 || payload >= end) return;
  if (srcPort === 53 || dstPort === 53) {
    // DNS over TCP: a two-byte length, then the message (only when a message starts here).
    if (end - payload >= 2 + 12) decodeDns(p, buf, payload + 2, Math.min(end, payload + 2 + u16be(buf, payload)));
    return;
  }
  const first = buf[payload];
  if (first === 0x16) decodeTlsSni(p, buf, payload, end);
  else if (first >= 0x41 && first <= 0x5a) decodeHttpHost(p, buf, payload, end);
  // A DCE-RPC request header (version 5) on any port, or a NetBIOS session message to SMB.
  else if (first === 0x05 || (first === 0x00 && (dstPort === 445 || dstPort === 139))) decodeSmbRpc(p, buf, payload, end);
}
