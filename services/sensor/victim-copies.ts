/**
 * Which packets the sensor also sends to the partition of their destination, flagged
 * Packet.victimCopy: SYNs (SYN without ACK), ICMP/ICMPv6 echo requests, and the ACK that
 * completes a handshake whose SYN it copied. Packets travel in their source's partition, where
 * per-source detectors need them; a victim of a spoofed or distributed flood is sent packets
 * from sources in every partition, and only these copies bring the whole flood to one place:
 * the distributed-flood detector reads them in the victim's partition, in capture order, so it
 * judges each victim once and exactly, whatever the number of partitions and workers. Its
 * completion rule (a busy server's clients finish their handshakes, a spoofed flood's sources
 * never do) needs only each handshake's first ACK, not the connection's every ACK.
 *
 * Both the sensor's batcher and `analyze` decide with this class over the same packet order,
 * so both send the same copies.
 */
import { TcpFlag, type Packet } from '../common/model.ts';

const TCP = 6;
const ICMP = 1;
const ICMPV6 = 58;

/** Handshakes whose completing ACK is awaited, at most; the oldest is forgotten first. */
export const MAX_PENDING_HANDSHAKES = 65_536;

export class VictimCopies {
  /** '<src> <srcPort> <dst> <dstPort>' of the SYNs copied, oldest first. */
  private readonly pending = new Set<string>();

  constructor(private readonly maxPending = MAX_PENDING_HANDSHAKES) {}

  /** Whether p goes to its destination's partition too (call once per packet, in capture order). */
  wants(p: Packet): boolean {
    if (p.dst === '') return false;
    if (p.protocol === TCP) {
      // The detectors' definitions (detectors/probe.ts): isSynOnly, completesHandshake.
      if ((p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
        this.await(`${p.src} ${p.srcPort} ${p.dst} ${p.dstPort}`);
        return true;
      }
      // Only a handshake's first ACK: the set holds only SYNs copied and not yet completed.
      const completes = (p.tcpFlags & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) === TcpFlag.ACK;
      return completes && this.pending.size > 0 && this.pending.delete(`${p.src} ${p.srcPort} ${p.dst} ${p.dstPort}`);
    }
    return (p.protocol === ICMP && p.icmpType === 8) || (p.protocol === ICMPV6 && p.icmpType === 128);
  }

  /** Handshakes awaited now. */
  get pendingHandshakes(): number {
    return this.pending.size;
  }

  private await(handshake: string): void {
    // A retransmitted SYN moves to the back.
    if (!this.pending.delete(handshake) && this.pending.size >= this.maxPending) {
      this.pending.delete(this.pending.values().next().value!);
    }
    this.pending.add(handshake);
  }
}
