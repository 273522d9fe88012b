/**
 * What counts as something an attacker sends, for the scan and sweep detectors: connection
 * attempts and probes, never replies. TCP without ACK or RST (SYN, FIN/NULL/XMAS probes) is a probe:
 * every reply and every packet of an established connection carries ACK, and a bare RST answers
 * an unexpected SYN/ACK.
 * UDP is a probe unless it comes from a well-known service port to a high port (a resolver's
 * answer, an NTP reply) or goes to multicast/broadcast.
 */
import { TcpFlag, type DetectorPacket } from '../../common/model.ts';
import { isMulticastOrBroadcast } from '../net.ts';
import { TCP, UDP } from '../../common/packet-kinds.ts';

export { completesHandshake, isEchoRequest, isSynOnly } from '../../common/packet-kinds.ts';

export function isTcpProbe(p: DetectorPacket): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.ACK | TcpFlag.RST)) === 0 && !p.fragment;
}

export function isUdpProbe(p: DetectorPacket): boolean {
  if (p.protocol !== UDP || p.fragmentOffset > 0) return false;
  if (p.srcPort < 1024 && p.dstPort >= 1024) return false;
  return !isMulticastOrBroadcast(p.dst);
}

/** Client data in an established TCP session (ACK and payload), not a probe or a handshake. */
export function isClientData(p: DetectorPacket): boolean {
  return p.protocol === TCP && (p.tcpFlags & TcpFlag.ACK) !== 0 && (p.tcpFlags & TcpFlag.SYN) === 0 && p.payloadLength > 0;
}
