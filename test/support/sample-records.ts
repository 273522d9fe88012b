/** Small, realistic records for serde and bus tests. */
import type { Alert, Heartbeat, Packet, PacketBatch } from '../../services/common/model.ts';

export function samplePacket(overrides: Partial<Packet> = {}): Packet {
  return {
    ts: 1_700_000_000_123_456,
    length: 74,
    capLength: 74,
    ifIndex: 0,
    linkType: 1,
    srcMac: '08:00:27:9c:b3:fe',
    dstMac: 'ca:01:0c:41:00:1c',
    vlanIds: [],
    etherType: 0x0800,
    ipVersion: 4,
    src: '10.2.1.99',
    dst: '45.33.32.156',
    protocol: 6,
    ttl: 64,
    ipLength: 60,
    fragment: false,
    fragmentOffset: 0,
    srcPort: 51234,
    dstPort: 443,
    tcpFlags: 0x02,
    tcpSeq: 4_000_000_000,
    tcpAck: 0,
    tcpWindow: 64240,
    payloadLength: 0,
    icmpType: -1,
    icmpCode: -1,
    arp: null,
    dns: null,
    tlsSni: null,
    httpHost: null,
    communityId: null,
    decodeFlags: 0,
    smbRpc: null,
    victimCopy: false,
    ...overrides,
  };
}

export function samplePacketBatch(count = 3): PacketBatch {
  const packets = Array.from({ length: count }, (_, i) => samplePacket({ ts: 1_700_000_000_000_000 + i * 1000, srcPort: 40000 + i }));
  packets.push(
    samplePacket({
      protocol: 17,
      srcPort: 5353,
      dstPort: 53,
      tcpFlags: 0,
      dns: { id: 4660, response: false, opcode: 0, rcode: 0, qname: 'aGVsbG8.tunnel.example.com', qtype: 16, questionCount: 1, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 },
    }),
    samplePacket({
      etherType: 0x0806,
      ipVersion: 0,
      src: '',
      dst: '',
      protocol: -1,
      srcPort: -1,
      dstPort: -1,
      tcpFlags: 0,
      vlanIds: [100, 200],
      arp: { op: 2, senderMac: '08:00:27:9c:b3:fe', senderIp: '10.2.1.254', targetMac: '00:50:79:66:68:00', targetIp: '10.2.1.51' },
    }),
    samplePacket({ ipVersion: 6, src: '2001:db8::1', dst: 'fe80::1', tlsSni: 'example.org', communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', decodeFlags: 1 }),
  );
  return { sensorId: 'sensor-test', sensorHost: 'lab-1', batchSeq: 7, packets };
}

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'a1b2c3d4e5f60718',
    revision: 0,
    ts: 1_700_000_010_000,
    firstSeen: 1_700_000_000_000,
    lastSeen: 1_700_000_010_000,
    count: 1,
    category: 'port_scan',
    severity: 'HIGH',
    title: 'Port scan: 10.2.1.99 probed 1000 ports on 45.33.32.156 in 10 s',
    mitre: { tactic: 'Discovery', tacticId: 'TA0007', technique: 'Network Service Discovery', techniqueId: 'T1046' },
    src: '10.2.1.99',
    dst: '45.33.32.156',
    srcPort: null,
    dstPort: null,
    protocol: 6,
    communityId: null,
    evidence: { count: 1000, threshold: 15, baseThreshold: 15, windowSeconds: 10, unit: 'ports', details: { samplePorts: '22,80,443' } },
    intel: { verdict: 'CLEAN', entity: '10.2.1.99', source: 'virustotal', malicious: 0, suspicious: 0, reputation: 0, multiplier: 1 },
    sensorId: 'sensor-test',
    sensorHost: 'lab-1',
    detector: 'port-scan',
    ...overrides,
  };
}

export function sampleHeartbeat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    sensorId: 'sensor-test',
    hostname: 'lab-1',
    os: 'linux 6.1.0 x64',
    addresses: ['192.168.1.10'],
    mode: 'replay',
    input: 'capture.pcap',
    version: '0.1.0',
    ts: 1_700_000_000_000,
    startTime: 1_699_999_000_000,
    packetsSeen: 1000,
    packetsPublished: 990,
    packetsDropped: 0,
    bytesSeen: 123456,
    status: 'running',
    ...overrides,
  };
}
