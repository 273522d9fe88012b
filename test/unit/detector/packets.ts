/** Synthetic packets for detector unit tests. */
import { TcpFlag, type Packet } from '../../../services/common/model.ts';
import { victimCopyOf } from '../../../services/sensor/decode/packet-record.ts';
import { PacketRouter } from '../../../services/sensor/packet-router.ts';

export function packet(over: Partial<Packet>): Packet {
  return {
    ts: 0, length: 60, capLength: 60, ifIndex: 0, linkType: 1, srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', vlanIds: [], etherType: 0x0800,
    ipVersion: 4, src: '', dst: '', protocol: 6, ttl: 64, ipLength: 40, fragment: false, fragmentOffset: 0, srcPort: 0, dstPort: 0, tcpFlags: 0, tcpSeq: 0,
    tcpAck: 0, tcpWindow: 0, payloadLength: 0, icmpType: 0, icmpCode: 0, arp: null, dns: null, tlsSni: null, httpHost: null, communityId: null, decodeFlags: 0, smbRpc: null, victimCopy: false,
    ...over,
  };
}

export function syn(src: string, dst: string, dstPort: number, tsMs: number, srcPort = 40000): Packet {
  return packet({ src, dst, dstPort, srcPort, tcpFlags: TcpFlag.SYN, ts: tsMs * 1000 });
}

export function data(src: string, dst: string, dstPort: number, tsMs: number, bytes = 100, srcPort = 40000): Packet {
  return packet({ src, dst, dstPort, srcPort, tcpFlags: TcpFlag.ACK | TcpFlag.PSH, payloadLength: bytes, ipLength: 40 + bytes, ts: tsMs * 1000 });
}

/** The packets as one partition receives them from the sensor: each one, then its victim copy if the sensor sends one. */
export function withVictimCopies(packets: Packet[]): Packet[] {
  const router = new PacketRouter(1);
  return packets.flatMap((p) => (router.victimPartitionOf(p) >= 0 ? [p, victimCopyOf(p)] : [p]));
}
