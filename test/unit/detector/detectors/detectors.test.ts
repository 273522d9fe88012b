import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { TcpFlag, type Packet } from '../../../../services/common/model.ts';
import { MemoryStore } from '../../../../services/common/state/memory-store.ts';
import { DetectionEngine } from '../../../../services/detector/engine/engine.ts';
import { beaconScore } from '../../../../services/detector/detectors/beacon.ts';
import { lateralMovement } from '../../../../services/detector/detectors/lateral-movement.ts';
import type { DetectorContext } from '../../../../services/detector/detector.ts';
import { DistinctWindow } from '../../../../services/detector/windows.ts';
import { adjustSeverity, adjustThreshold, tierOf } from '../../../../services/detector/intel/tiers.ts';
import { data, packet, syn, withVictimCopies } from '../packets.ts';

const T0 = 1_700_000_000_000;
const config = loadConfig({ env: {} });

/** The incidents of one partition that receives these packets as the sensor sends them. */
async function run(packets: Packet[], cfg = config) {
  const r = await new DetectionEngine(cfg, new MemoryStore(), 't').process(0, [{ offset: '0', batch: { sensorId: 's', sensorHost: 'h', batchSeq: 0, packets: withVictimCopies(packets) } }]);
  const latest = new Map(r.alerts.map((a) => [a.id, a]));
  return [...latest.values()];
}

describe('detectors on synthetic packets', () => {
  it('port scan fires at exactly 15 ports, not at 14', async () => {
    expect(await run(Array.from({ length: 14 }, (_, i) => syn('10.0.0.5', '10.0.0.9', 100 + i, T0 + i)))).toEqual([]);
    const [a] = await run(Array.from({ length: 15 }, (_, i) => syn('10.0.0.5', '10.0.0.9', 100 + i, T0 + i)));
    expect(a).toMatchObject({ category: 'port_scan', src: '10.0.0.5', severity: 'HIGH', mitre: { techniqueId: 'T1046' } });
    expect(a.evidence).toMatchObject({ count: 15, threshold: 15, windowSeconds: 10, unit: 'ports' });
  });

  it('a client whose connections to many ports of one host succeed is no port scanner', async () => {
    // FTP passive data connections (a new server port per file) or a monitor checking 20
    // services: SYN, then the handshake's ACK and data to the same port.
    const ack = (port: number, tsMs: number, srcPort: number) => packet({ src: '10.0.0.5', dst: '10.0.0.9', srcPort, dstPort: port, tcpFlags: TcpFlag.ACK, ts: tsMs * 1000 });
    const clientOf = (ports: number[]) => ports.flatMap((port, i) => [syn('10.0.0.5', '10.0.0.9', port, T0 + i * 100, 30_000 + i), ack(port, T0 + i * 100 + 1, 30_000 + i), data('10.0.0.5', '10.0.0.9', port, T0 + i * 100 + 2, 200, 30_000 + i)]);
    const passive = Array.from({ length: 20 }, (_, i) => 50_000 + i);
    expect(await run(clientOf(passive))).toEqual([]);
    // A connect scan completes only the few open ports it finds: still a scan.
    const open = new Set([22, 25, 30]);
    const connectScan = Array.from({ length: 20 }, (_, i) => 21 + i).flatMap((port, i) => (open.has(port) ? clientOf([port]).map((p) => ({ ...p, ts: p.ts + i * 50_000 })) : [syn('10.0.0.5', '10.0.0.9', port, T0 + i * 50, 30_000 + i)]));
    expect((await run(connectScan)).map((a) => a.category)).toEqual(['port_scan']);
  });

  it('counts the completion of a source\'s very first connection (its states are made from its kept first packet)', async () => {
    // 15 probed ports, the first 8 completed: 8 > 15 x 0.5, no scan. The first SYN is kept
    // (engine/first-packet.ts) and the port-scan state made only when the ACK comes: the ACK's
    // present-only step must come after, or port 1's completion is lost and 7 <= 7.5 is a scan.
    const ack = (port: number, tsMs: number) => packet({ src: '10.0.0.5', dst: '10.0.0.9', srcPort: 30_000 + port, dstPort: port, tcpFlags: TcpFlag.ACK, ts: tsMs * 1000 });
    const packets = Array.from({ length: 15 }, (_, i) => i + 1).flatMap((port) => (port <= 8 ? [syn('10.0.0.5', '10.0.0.9', port, T0 + port * 10, 30_000 + port), ack(port, T0 + port * 10 + 1)] : [syn('10.0.0.5', '10.0.0.9', port, T0 + port * 10, 30_000 + port)]));
    expect(await run(packets)).toEqual([]);
    // With one completion fewer it is a scan.
    expect((await run(packets.filter((p) => !(p.dstPort === 8 && p.tcpFlags === TcpFlag.ACK)))).map((a) => a.category)).toEqual(['port_scan']);
  });

  it('a server answering many client ports is not a scanner', async () => {
    const replies = Array.from({ length: 200 }, (_, i) => packet({ src: '10.0.0.1', dst: '10.0.0.7', srcPort: 53, dstPort: 30000 + i, protocol: 17, ts: (T0 + i) * 1000 }));
    const synAcks = Array.from({ length: 200 }, (_, i) => packet({ src: '10.0.0.1', dst: '10.0.0.7', srcPort: 80, dstPort: 30000 + i, tcpFlags: TcpFlag.SYN | TcpFlag.ACK, ts: (T0 + i) * 1000 }));
    expect(await run([...replies, ...synAcks])).toEqual([]);
  });

  it('SYN flood at one port is syn_flood (>= 200), one incident updated, not 200 alerts', async () => {
    const flood = Array.from({ length: 400 }, (_, i) => syn('192.0.2.10', '198.51.100.5', 443, T0 + i, 1024 + i));
    const alerts = await run(flood);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ category: 'syn_flood', severity: 'CRITICAL', dstPort: 443 });
  });

  it('completed handshakes are not a flood', async () => {
    const ok = Array.from({ length: 300 }, (_, i) => [syn('10.0.0.2', '10.0.0.3', 7000, T0 + i, 1024 + i), data('10.0.0.2', '10.0.0.3', 7000, T0 + i, 10, 1024 + i)]).flat();
    expect(await run(ok)).toEqual([]);
  });

  it('a ping sweep is host_sweep, a ping flood at one host is icmp_flood', async () => {
    const sweep = Array.from({ length: 40 }, (_, i) => packet({ src: '10.0.0.128', dst: `10.0.0.${i + 1}`, protocol: 1, icmpType: 8, ts: (T0 + i) * 1000 }));
    expect((await run(sweep)).map((a) => a.category)).toEqual(['host_sweep']);
    const flood = Array.from({ length: 120 }, (_, i) => packet({ src: '198.51.100.23', dst: '192.168.1.10', protocol: 1, icmpType: 8, ts: (T0 + i * 10) * 1000 }));
    expect((await run(flood)).map((a) => a.category)).toEqual(['icmp_flood']);
  });

  it('spoofed SYN flood from many sources at one victim is found (victim-keyed)', async () => {
    const flood = Array.from({ length: 300 }, (_, i) => syn(`203.0.113.${i % 250}`, '10.10.10.10', 25565, T0 + i * 5, 1024 + i));
    const [a] = await run(flood);
    expect(a).toMatchObject({ category: 'syn_flood', src: 'multiple', dst: '10.10.10.10' });
  });

  it('a busy server whose many clients complete their handshakes is no distributed flood', async () => {
    // 300 new connections in 3 s from 60 clients, each SYN answered and completed (ACK, then
    // data): the victim-keyed rule sees 300 SYNs from 60 sources, and only the completions
    // tell a busy server from a flooded one.
    const ack = (src: string, srcPort: number, tsMs: number) => packet({ src, dst: '10.10.10.10', srcPort, dstPort: 443, tcpFlags: TcpFlag.ACK, ts: tsMs * 1000 });
    const connections = Array.from({ length: 300 }, (_, i) => {
      const client = `203.0.113.${i % 60}`;
      const t = T0 + i * 10;
      return [syn(client, '10.10.10.10', 443, t, 20000 + i), ack(client, 20000 + i, t + 1), data(client, '10.10.10.10', 443, t + 2, 300, 20000 + i)];
    }).flat();
    expect(await run(connections)).toEqual([]);
    // The same SYNs without their completions are a flood.
    const [flood] = await run(connections.filter((p) => p.tcpFlags === TcpFlag.SYN));
    expect(flood).toMatchObject({ category: 'syn_flood', src: 'multiple', dst: '10.10.10.10', dstPort: 443 });
  });

  it('brute force: 30 SYNs to SSH in 30 s', async () => {
    const attempts = Array.from({ length: 30 }, (_, i) => syn('10.0.0.66', '10.0.0.22', 22, T0 + i * 500, 2000 + i));
    expect((await run(attempts)).map((a) => [a.category, a.dstPort])).toEqual([['brute_force', 22]]);
  });

  it('suspicious port: a session to 4444 fires, a lone SYN probe does not', async () => {
    expect(await run([syn('10.0.0.70', '10.0.0.10', 4444, T0)])).toEqual([]);
    const [a] = await run([data('10.0.0.70', '10.0.0.10', 4444, T0)]);
    expect(a).toMatchObject({ category: 'suspicious_port', dst: '10.0.0.10', dstPort: 4444, mitre: { techniqueId: 'T1571' } });
    expect(a.communityId).toMatch(/^1:/);
  });

  it('exfiltration counts only internal to external bytes', async () => {
    const up = Array.from({ length: 60 }, (_, i) => data('192.168.1.5', '203.0.113.9', 443, T0 + i * 100, 90_000));
    expect((await run(up)).map((a) => a.category)).toEqual(['data_exfiltration']);
    const lan = Array.from({ length: 60 }, (_, i) => data('192.168.1.5', '192.168.1.6', 443, T0 + i * 100, 90_000));
    expect(await run(lan)).toEqual([]);
  });

  it('lateral movement: one RDP session fires, one SSH session does not', async () => {
    expect((await run([data('10.0.0.31', '10.0.0.10', 3389, T0)])).map((a) => a.category)).toEqual(['lateral_movement']);
    expect(await run([data('10.0.0.31', '10.0.0.10', 22, T0)])).toEqual([]);
  });

  it('lateral movement: a pair used in the last 7 days is routine; a new pair or remote execution is not', async () => {
    const DAY = 86_400_000;
    const rdp = (dst: string, t: number) => data('10.0.0.50', dst, 3389, t);
    // The helpdesk's daily RDP to the same server: an incident on the first day only.
    const daily = [0, 1, 2].map((d) => rdp('10.0.0.60', T0 + d * DAY));
    expect((await run(daily)).map((a) => [a.category, a.firstSeen])).toEqual([['lateral_movement', T0]]);
    // A server it never used before, on the third day, is new.
    const [first, third] = await run([...daily, rdp('10.0.0.61', T0 + 2 * DAY + 60_000)]);
    expect([first.dst, third.dst]).toEqual(['10.0.0.60', '10.0.0.61']);
    // Past 7 days the pair is new again; with knownPairSeconds 0 it is new every hour.
    expect(await run([rdp('10.0.0.60', T0), rdp('10.0.0.60', T0 + 8 * DAY)])).toHaveLength(2);
    expect(await run(daily, loadConfig({ env: {}, overrides: { 'detector.lateral.knownPairSeconds': 0 } }))).toHaveLength(3);
    // Remote execution on a known host still counts.
    const exec = await run([...daily, { ...data('10.0.0.50', '10.0.0.60', 445, T0 + 2 * DAY + 10), smbRpc: 'share:ADMIN$' }]);
    expect(exec.map((a) => a.evidence.details.technique ?? null)).toEqual([null, 'T1021.002']);
  });

  it('lateral movement revives its state from before known pairs (the fan-out window alone)', () => {
    const before = DistinctWindow.of<string>(3_600_000, 1024);
    before.add(T0, '10.0.0.60|rdp');
    const ctx = { config: config.detector } as DetectorContext;
    const revived = lateralMovement.revive(JSON.parse(JSON.stringify(before)), ctx);
    expect([...revived.recent.values()]).toEqual(['10.0.0.60|rdp']);
    expect(revived.known?.size).toBe(0);
    const again = lateralMovement.revive(JSON.parse(JSON.stringify(revived)), ctx);
    expect([...again.recent.values()]).toEqual(['10.0.0.60|rdp']);
  });

  it('lateral movement: a Windows client using its domain controller and file server is not, SMB to a third host or remote execution is', async () => {
    // The client's routine: SMB and RPC to the domain controller, SMB to the file server, IPC$ on both.
    const routine = [
      data('10.0.0.31', '10.0.0.10', 445, T0),
      data('10.0.0.31', '10.0.0.10', 135, T0 + 10),
      { ...data('10.0.0.31', '10.0.0.10', 445, T0 + 20), smbRpc: 'share:IPC$' },
      { ...data('10.0.0.31', '10.0.0.10', 445, T0 + 30), smbRpc: 'bind:12345778-1234-abcd-ef00-0123456789ab' }, // lsarpc
      data('10.0.0.31', '10.0.0.20', 445, T0 + 40),
      { ...data('10.0.0.31', '10.0.0.20', 445, T0 + 50), smbRpc: 'share:PROJECTS' },
    ];
    expect(await run(routine)).toEqual([]);
    const [fanOut] = await run([...routine, data('10.0.0.31', '10.0.0.40', 445, T0 + 60)]);
    expect(fanOut).toMatchObject({ category: 'lateral_movement', src: '10.0.0.31', dst: '10.0.0.40', evidence: { count: 1.02, threshold: 1 } });
    expect(fanOut.evidence.details.hosts.split(',').sort()).toEqual(['10.0.0.10', '10.0.0.20', '10.0.0.40']);
    // PsExec on the file server: ADMIN$, then the service control manager over a pipe or a dynamic RPC port.
    for (const smbRpc of ['share:ADMIN$', 'share:C$', 'bind:367abb81-9844-35f1-ad32-98f038001003', 'bind:000001a0-0000-0000-c000-000000000046']) {
      const port = smbRpc.startsWith('bind:0') ? 49670 : 445;
      const [exec] = await run([...routine, { ...data('10.0.0.31', '10.0.0.20', port, T0 + 60), smbRpc }]);
      expect(exec, smbRpc).toMatchObject({ category: 'lateral_movement', src: '10.0.0.31', dst: '10.0.0.20', evidence: { count: 1.34 } });
      expect(exec.evidence.details.technique).toMatch(/^T1(021\.00[23]|569\.002)$/);
    }
    // The same requests from outside the internal networks, or answered by the server, are not.
    expect(await run([{ ...data('203.0.113.5', '10.0.0.20', 445, T0), smbRpc: 'share:ADMIN$' }])).toEqual([]);
    expect(await run([{ ...data('10.0.0.31', '10.0.0.20', 49670, T0), srcPort: 445, smbRpc: 'share:ADMIN$' }])).toEqual([]);
  });

  it('DNS tunnelling: many unique TXT names under one domain; one long name is not a tunnel', async () => {
    const dns = (name: string, i: number, qtype = 16) => packet({ src: '172.20.0.20', dst: '172.20.0.10', protocol: 17, srcPort: 5000, dstPort: 53, ts: (T0 + i * 100) * 1000, dns: { id: i, response: false, opcode: 0, rcode: 0, qname: name, qtype, questionCount: 1, answerCount: 0, minTtl: 0, maxTtl: 0, answerBytes: 0 } });
    const tunnel = Array.from({ length: 40 }, (_, i) => dns(`a${i}x${(i * 7919).toString(36)}.tunnel.test`, i));
    expect((await run(tunnel)).map((a) => [a.category, a.dst])).toEqual([['dns_tunnelling', 'tunnel.test']]);
    expect(await run([dns('1b5373292107034d6b85e3e2f246c9c1.safeframe.googlesyndication.com', 0, 1)])).toEqual([]);
  });

  it('ARP: a second MAC for the gateway IP is spoofing, blamed on the MAC that claims more', async () => {
    const arp = (mac: string, ip: string, i: number, op = 2) => packet({ etherType: 0x0806, ipVersion: 0, protocol: 0, ts: (T0 + i) * 1000, arp: { op, senderMac: mac, senderIp: ip, targetMac: '02:00:00:00:00:09', targetIp: '10.2.1.51' } });
    const alerts = await run([arp('aa:aa:aa:aa:aa:01', '10.2.1.254', 0), arp('bb:bb:bb:bb:bb:02', '10.2.1.99', 1, 1), arp('bb:bb:bb:bb:bb:02', '10.2.1.254', 2)]);
    expect(alerts.map((a) => [a.category, a.src])).toEqual([['arp_spoofing', 'bb:bb:bb:bb:bb:02']]);
  });

  it('beacon score: regular intervals score high, random ones stay under the firing threshold', () => {
    const regular = Array.from({ length: 40 }, (_, i) => i * 10_000 + (i % 3) * 50);
    let t = 0;
    const random = Array.from({ length: 40 }, (_, i) => (t += (((i * 7919) % 29) + 1) * 1000));
    expect(beaconScore(regular, regular.map(() => 300)).score).toBeGreaterThan(0.9);
    expect(beaconScore(random, random.map((_, i) => 100 + ((i * 37) % 900))).score).toBeLessThan(config.detector.beacon.scoreThreshold);
  });
});

describe('VirusTotal tiers (seed)', () => {
  it('maps stats to tiers in the seed order and scales thresholds', () => {
    expect(tierOf({ malicious: 9, suspicious: 0, reputation: 0 })).toBe('CRITICAL');
    expect(tierOf({ malicious: 3, suspicious: 0, reputation: 0 })).toBe('HIGH');
    expect(tierOf({ malicious: 0, suspicious: 5, reputation: 0 })).toBe('MEDIUM');
    expect(tierOf({ malicious: 0, suspicious: 0, reputation: -11 })).toBe('LOW');
    expect(tierOf({ malicious: 0, suspicious: 4, reputation: -10 })).toBe('CLEAN');
    expect([15, 200, 100, 50, 5_000_000, 30].map((b) => adjustThreshold(b, 'HIGH'))).toEqual([4, 50, 25, 13, 1_250_000, 8]);
    expect(adjustThreshold(15, 'CRITICAL')).toBe(2);
    expect(adjustSeverity('HIGH', 'MEDIUM')).toBe('CRITICAL');
    expect(adjustSeverity('MEDIUM', 'LOW')).toBe('MEDIUM');
    expect(adjustSeverity('LOW', 'CRITICAL')).toBe('CRITICAL');
  });
});
