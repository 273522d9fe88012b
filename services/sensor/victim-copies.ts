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
import type { Packet } from '../common/model.ts';
import { completesHandshake, isEchoRequest, isSynOnly } from '../common/packet-kinds.ts';
import { Int32Map } from '../common/int32-map.ts';
import { RecentTwo } from '../common/recent-two.ts';

/** Handshakes whose completing ACK is awaited, at most (a power of two); the oldest is forgotten first. */
export const MAX_PENDING_HANDSHAKES = 65_536;
/** Addresses numbered at most (then every number and awaited handshake is forgotten at once). */
export const MAX_ADDRESSES = 1 << 16;

/**
 * Awaited handshakes are numbers, not strings (a key string per SYN was the copies' largest
 * cost): each address gets a number below MAX_ADDRESSES, a client socket (address, port) is
 * (number << 16 | port) as a signed 32-bit int (a small integer to V8: an unsigned value past
 * 2^31 was a heap number per Map key and value), and `pending` maps the socket of each SYN to
 * the server socket it asked for. A socket awaits one handshake: a client that reuses its port
 * for a second destination before the first answered (as nmap's SYN scan does, whose probes
 * never complete) awaits only the second.
 */
export class VictimCopies {
  private readonly addresses = new Map<string, number>();
  /** A SYN's two ends, then its handshake's ACK from the other end: the same two addresses. */
  private readonly recentAddresses = new RecentTwo<number>();
  /**
   * Client socket -> server socket, of the SYNs copied whose handshake is not complete: at most
   * maxPending (the ring below bounds it), in typed arrays (a Map rehashed into new tables as a
   * flood's SYNs came and went).
   */
  private readonly pending: Int32Map;
  /** The handshakes in the order their SYNs came, a ring: the oldest is forgotten when it is full. */
  private readonly ringClient: Int32Array;
  private readonly ringServer: Int32Array;
  /** Whether each ring slot holds a handshake (every socket value is a valid int32). */
  private readonly ringUsed: Uint8Array;
  private next = 0;
  /**
   * Pending handshakes per hash of their ports: an ACK whose ports hash to a 0 completes none,
   * which spares most packets of established connections the address lookups.
   */
  private readonly perPorts = new Uint32Array(1 << 16);

  constructor(
    private readonly maxPending = MAX_PENDING_HANDSHAKES,
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {
    if ((maxPending & (maxPending - 1)) !== 0) throw new Error(`maxPending must be a power of two, not ${maxPending}`);
    if (maxAddresses > MAX_ADDRESSES) throw new Error(`maxAddresses must be at most ${MAX_ADDRESSES} (a socket is an address number and a port in 32 bits), not ${maxAddresses}`);
    this.pending = new Int32Map(maxPending);
    this.ringClient = new Int32Array(maxPending);
    this.ringServer = new Int32Array(maxPending);
    this.ringUsed = new Uint8Array(maxPending);
  }

  /** Whether p goes to its destination's partition too (call once per packet, in capture order). */
  wants(p: Packet): boolean {
    if (p.dst === '') return false;
    if (isSynOnly(p)) {
      this.awaitCompletion(p);
      return true;
    }
    if (completesHandshake(p)) {
      // Only a handshake's first ACK: `pending` holds only SYNs copied and not yet completed.
      const ports = portsHash(p.srcPort, p.dstPort);
      if (this.perPorts[ports] === 0) return false;
      const src = this.known(p.src);
      const dst = this.known(p.dst);
      if (src === undefined || dst === undefined) return false;
      const client = socketOf(src, p.srcPort);
      if (this.pending.get(client) !== socketOf(dst, p.dstPort)) return false;
      this.pending.delete(client);
      this.perPorts[ports]--;
      return true;
    }
    return isEchoRequest(p);
  }

  /** Handshakes awaited now. */
  get pendingHandshakes(): number {
    return this.pending.size;
  }

  /** A retransmitted SYN keeps its place. */
  private awaitCompletion(p: Packet): void {
    if (this.addresses.size + 2 > this.maxAddresses && !(this.addresses.has(p.src) && this.addresses.has(p.dst))) this.forgetAll();
    const client = socketOf(this.numberOf(p.src), p.srcPort);
    const server = socketOf(this.numberOf(p.dst), p.dstPort);
    const awaited = this.pending.get(client);
    if (awaited === server) return;
    if (awaited !== undefined) this.perPorts[portsHash(p.srcPort, awaited & 0xffff)]--;
    const slot = this.next;
    const oldest = this.ringClient[slot];
    // A slot whose handshake completed, or whose socket moved on to another server, names one
    // no longer awaited.
    if (this.ringUsed[slot] === 1 && this.pending.get(oldest) === this.ringServer[slot]) {
      this.pending.delete(oldest);
      this.perPorts[portsHash(oldest & 0xffff, this.ringServer[slot] & 0xffff)]--;
    }
    this.ringClient[slot] = client;
    this.ringServer[slot] = server;
    this.ringUsed[slot] = 1;
    this.next = (slot + 1) & (this.maxPending - 1);
    this.pending.set(client, server);
    this.perPorts[portsHash(p.srcPort, p.dstPort)]++;
  }

  private numberOf(address: string): number {
    let n = this.known(address);
    if (n === undefined) {
      n = this.addresses.size;
      this.addresses.set(address, n);
      this.recentAddresses.remember(address, n);
    }
    return n;
  }

  /** The address's number, if it has one. */
  private known(address: string): number | undefined {
    let n = this.recentAddresses.get(address);
    if (n !== undefined) return n;
    n = this.addresses.get(address);
    if (n !== undefined) this.recentAddresses.remember(address, n);
    return n;
  }

  private forgetAll(): void {
    this.addresses.clear();
    this.recentAddresses.clear();
    this.pending.clear();
    this.ringUsed.fill(0);
    this.perPorts.fill(0);
    this.next = 0;
  }
}

/** A socket (numbered address, port) as one signed 32-bit int: numbers stay below 65536 (MAX_ADDRESSES). */
const socketOf = (address: number, port: number): number => (address << 16) | port;

function portsHash(srcPort: number, dstPort: number): number {
  return (Math.imul(srcPort, 0x9e3779b1) ^ dstPort) >>> 16;
}
