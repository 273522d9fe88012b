/**
 * Kinds of packet that both the sensor and the detectors name: the sensor sends exactly these as
 * victim copies (sensor/victim-copies.ts) and the distributed-flood detector keys exactly these,
 * so the two must share one definition.
 */
import { TcpFlag, type DetectorPacket } from './model.ts';

export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
export const ICMPV6 = 58;

/** A connection attempt: SYN without ACK. */
export function isSynOnly(p: DetectorPacket): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
}

export function isEchoRequest(p: DetectorPacket): boolean {
  return (p.protocol === ICMP && p.icmpType === 8) || (p.protocol === ICMPV6 && p.icmpType === 128);
}

/**
 * A client packet after a handshake (ACK, no SYN or RST) to the host and port it may have
 * completed one with: what tells connections that succeed from probes that do not.
 */
export function completesHandshake(p: DetectorPacket): boolean {
  return p.protocol === TCP && (p.tcpFlags & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) === TcpFlag.ACK;
}
