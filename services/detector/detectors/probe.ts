/**
 * What counts as something an attacker sends, for the scan and sweep detectors: connection
 * attempts and probes, never replies. TCP without ACK or RST (SYN, FIN/NULL/XMAS probes) is a probe:
 * every reply and every packet of an established connection carries ACK, and a bare RST answers
 * an unexpected SYN/ACK.
 * UDP is a probe unless it comes from a well-known service port to a high port (a resolver's
 * answer, an NTP reply) or goes to multicast/broadcast.
 */
import { TcpFlag, type Packet } from '../../common/model.ts';
import { isMulticastOrBroadcast } from '../net.ts';
import { ICMP, ICMPV6, TCP, UDP } from '../detector.ts';

export function isTcpProbe(p: Packet): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.ACK | TcpFlag.RST)) === 0 && !p.fragment;
}

export function isSynOnly(p: Packet): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
}

export function isUdpProbe(p: Packet): boolean {
  if (p.protocol !== UDP || p.fragmentOffset > 0) return false;
  if (p.srcPort < 1024 && p.dstPort >= 1024) return false;
  return !isMulticastOrBroadcast(p.dst);
}

export function isEchoRequest(p: Packet): boolean {
  return (p.protocol === ICMP && p.icmpType === 8) || (p.protocol === ICMPV6 && p.icmpType === 128);
}

/** Client data in an established TCP session (ACK and payload), not a probe or a handshake. */
export function isClientData(p: Packet): boolean {
  return p.protocol === TCP && (p.tcpFlags & TcpFlag.ACK) !== 0 && (p.tcpFlags & TcpFlag.SYN) === 0 && p.payloadLength > 0;
}

/**
 * A client packet after a handshake (ACK, no SYN or RST) to the host and port it may have
 * completed one with: what tells connections that succeed from probes that do not.
 */
export function completesHandshake(p: Packet): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) === TcpFlag.ACK;
}
