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

/** Handshakes whose completing ACK is awaited, at most (a power of two); the oldest is forgotten first. */
export const MAX_PENDING_HANDSHAKES = 65_536;

export class VictimCopies {
  /** '<src> <srcPort> <dst> <dstPort>' of the SYNs copied whose handshake is not complete. */
  private readonly pending = new Set<string>();
  /** The handshakes in the order their SYNs came, a ring: the oldest is forgotten when it is full. */
  private readonly ring: Array<string | undefined>;
  private readonly ringPorts: Uint32Array;
  private next = 0;
  /**
   * Pending handshakes per hash of their ports: an ACK whose ports hash to a 0 completes none,
   * which spares most packets of established connections the key string.
   */
  private readonly perPorts = new Uint32Array(1 << 16);

  constructor(private readonly maxPending = MAX_PENDING_HANDSHAKES) {
    if ((maxPending & (maxPending - 1)) !== 0) throw new Error(`maxPending must be a power of two, not ${maxPending}`);
    this.ring = new Array<string | undefined>(maxPending).fill(undefined);
    this.ringPorts = new Uint32Array(maxPending);
  }

  /** Whether p goes to its destination's partition too (call once per packet, in capture order). */
  wants(p: Packet): boolean {
    if (p.dst === '') return false;
    if (p.protocol === TCP) {
      // The detectors' definitions (detectors/probe.ts): isSynOnly, completesHandshake.
      if ((p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
        this.awaitCompletion(`${p.src} ${p.srcPort} ${p.dst} ${p.dstPort}`, portsHash(p));
        return true;
      }
      if ((p.tcpFlags & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) !== TcpFlag.ACK) return false;
      // Only a handshake's first ACK: the set holds only SYNs copied and not yet completed.
      const ports = portsHash(p);
      if (this.perPorts[ports] === 0 || !this.pending.delete(`${p.src} ${p.srcPort} ${p.dst} ${p.dstPort}`)) return false;
      this.perPorts[ports]--;
      return true;
    }
    return (p.protocol === ICMP && p.icmpType === 8) || (p.protocol === ICMPV6 && p.icmpType === 128);
  }

  /** Handshakes awaited now. */
  get pendingHandshakes(): number {
    return this.pending.size;
  }

  /** A retransmitted SYN keeps its place. */
  private awaitCompletion(handshake: string, ports: number): void {
    if (this.pending.has(handshake)) return;
    const slot = this.next;
    const oldest = this.ring[slot];
    // A slot whose handshake completed names one no longer pending (or, rarely, a later
    // handshake with the same addresses and ports, which is then forgotten as well).
    if (oldest !== undefined && this.pending.delete(oldest)) this.perPorts[this.ringPorts[slot]]--;
    this.ring[slot] = handshake;
    this.ringPorts[slot] = ports;
    this.next = (slot + 1) & (this.maxPending - 1);
    this.pending.add(handshake);
    this.perPorts[ports]++;
  }
}

function portsHash(p: Packet): number {
  return (Math.imul(p.srcPort, 0x9e3779b1) ^ p.dstPort) >>> 16;
}
