/**
 * Exactness when event time steps back: real captures concatenated out of date order (as
 * `analyze a.pcap b.pcap` or a looping replay without --rebase-time gives) and a second sensor
 * whose clock runs 5 s behind, merged into the same stream. However the stream is cut into
 * batches — one packet, 7, 250, 2,000 — the alerts are the same, field for field: idle state is
 * deleted only allowedLateness behind a key's newest packet, and a packet older than that starts
 * its key over (engine.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { TcpFlag, type Alert, type Packet } from '../../../../services/common/model.ts';
import { PacketAnalyzer } from '../../../../services/detector/analyze-runner.ts';
import { openCaptureFile } from '../../../../services/sensor/capture-source.ts';
import { data, syn } from '../packets.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');

async function packetsOf(file: string): Promise<Packet[]> {
  const out: Packet[] = [];
  for await (const chunk of await openCaptureFile(join(PCAPS, file))) out.push(...chunk);
  return out;
}

/** Packets of b, retimed to run alongside a with a clock skewed by skewMs, merged in arrival order. */
function mergeSkewed(a: Packet[], b: Packet[], skewMs: number): Packet[] {
  const shift = a[0].ts - b[0].ts - skewMs * 1000;
  const late = b.map((p) => ({ ...p, ts: p.ts + shift }));
  // Arrival order: b's packets arrive when a's clock reads their time plus the skew.
  return [...a.map((p) => ({ p, at: p.ts })), ...late.map((p) => ({ p, at: p.ts + skewMs * 1000 }))].sort((x, y) => x.at - y.at).map((x) => x.p);
}

const DAY_US = 86_400_000_000;
const retimed = (packets: Packet[], shiftUs: number): Packet[] => packets.map((p) => ({ ...p, ts: p.ts + shiftUs }));
/** One data packet of the first packet's source, days later: its key's newest time jumps ahead. */
const laterData = (packets: Packet[], shiftUs: number): Packet => ({ ...packets[0], ts: packets[0].ts + shiftUs, tcpFlags: TcpFlag.ACK | TcpFlag.PSH, payloadLength: 20 });

async function analyse(packets: Packet[], batchSize: number, overrides: Record<string, number> = {}): Promise<Alert[]> {
  const config = loadConfig({ env: {}, overrides });
  const analyzer = new PacketAnalyzer(config, { batchSize });
  // Chunks of 500 as the capture reader delivers them; batches are cut per partition.
  for (let i = 0; i < packets.length; i += 500) await analyzer.push(packets.slice(i, i + 500));
  await analyzer.finish();
  return analyzer.alerts;
}

const canonical = (alerts: Alert[]): string[] => alerts.map((a) => JSON.stringify(a)).sort();

describe('alerts do not depend on the batch cut when event time steps back', () => {
  it('gives the same alerts for batches of 1, 7, 250 and 2,000 packets', async () => {
    const scan = await packetsOf('portscan/nmap_tcp_syn_scan_evilfingers.pcap');
    const beacon = await packetsOf('c2/https_beacon_2s_low_jitter_ctu.pcap');
    const flood = await packetsOf('synflood/syn_200_exact_threshold_crafted_suricata.pcap');
    const brute = (await packetsOf('bruteforce/ftp_bruteforce_fast_ppa.pcap')).slice(0, 4000);
    const rat = await packetsOf('c2/rat_keepalive_5s_single_tcp_conn.pcap');
    // Dates jump back and forth by years between the parts, and the same sources come back
    // days later (state of theirs then idle may be deleted at a batch boundary, or not) and
    // then at their first dates again.
    const stream = [
      ...scan,
      ...mergeSkewed(beacon, flood, 5_000),
      laterData(scan, 2 * DAY_US),
      ...scan,
      ...brute,
      ...retimed(scan, 5 * DAY_US),
      ...beacon,
      laterData(beacon, 3 * DAY_US),
      ...beacon,
      ...mergeSkewed(rat, scan, 5_000),
    ];
    let backwards = 0;
    for (let i = 1; i < stream.length; i++) if (stream[i].ts < stream[i - 1].ts) backwards++;
    expect(backwards).toBeGreaterThan(20);

    const reference = canonical(await analyse(stream, 2000));
    expect(new Set(reference.map((a) => (JSON.parse(a) as Alert).category))).toEqual(new Set(['port_scan', 'c2_beaconing', 'syn_flood', 'brute_force']));
    for (const size of [1, 7, 250]) expect(canonical(await analyse(stream, size)), `batches of ${size}`).toEqual(reference);
  }, 120_000);

  it('counts no completions for an idle victim, whether or not a batch boundary deleted it', async () => {
    // One SYN to V; 100 s later a SYN to W (a boundary after it deletes V's idle entry); then
    // 150 data packets to V, then a 220-SYN flood at V. Were the data packets counted as
    // completions by a kept idle entry, the flood would look like completing connections in one
    // cut and not in another.
    const t0 = 1_700_000_000_000;
    const S = '203.0.113.7';
    const stream = [
      syn(S, '10.0.0.80', 80, t0),
      syn(S, '10.0.0.81', 80, t0 + 100_000),
      ...Array.from({ length: 150 }, (_, i) => data(S, '10.0.0.80', 80, t0 + 101_000 + i)),
      ...Array.from({ length: 220 }, (_, i) => syn(S, '10.0.0.80', 80, t0 + 102_000 + i * 4, 20_000 + i)),
    ];
    const reference = canonical(await analyse(stream, 2000));
    expect(reference.some((a) => (JSON.parse(a) as Alert).category === 'syn_flood')).toBe(true);
    for (const size of [1, 2]) expect(canonical(await analyse(stream, size)), `batches of ${size}`).toEqual(reference);
  });

  it('counts completions only into an existing victim state, whatever the cut and however little state stays live', async () => {
    // Clients talk to V before any SYN reaches it (no state: their ACKs must leave none); then
    // V is a busy server (300 connections from 60 clients, each completed); a minute later a
    // spoofed flood hits it while the clients' data goes on (completions of sources that sent
    // no SYN in the window count for nothing). With one live key the victim's state goes
    // through the store between batches: read back when SYNs ask for it, or as a present-only
    // key when only ACKs do. One partition, so that it judges the whole flood (each partition
    // judges its own share of the sources).
    const t0 = 1_700_000_000_000;
    const V = '10.10.10.10';
    const client = (i: number) => `198.51.100.${i % 60}`;
    const ack = (src: string, srcPort: number, tsMs: number): Packet => ({ ...data(src, V, 443, tsMs, 0, srcPort), tcpFlags: TcpFlag.ACK, payloadLength: 0, ipLength: 40 });
    const before = Array.from({ length: 120 }, (_, i) => data(client(i), V, 443, t0 + i * 10, 200, 30_000 + i));
    const busy = Array.from({ length: 300 }, (_, i) => {
      const t = t0 + 10_000 + i * 10;
      // Another host's traffic between each SYN and its completion: with one live key, V's state
      // has left memory when the ACK comes, and only reading it as a present-only key finds it.
      return [syn(client(i), V, 443, t, 40_000 + i), data('192.0.2.99', '192.0.2.1', 80, t, 50), ack(client(i), 40_000 + i, t + 1), data(client(i), V, 443, t + 2, 300, 40_000 + i)];
    }).flat();
    const flood = Array.from({ length: 300 }, (_, i) => {
      const t = t0 + 70_000 + i * 10;
      return [syn(`203.0.113.${i % 250}`, V, 443, t, 1024 + i), data(client(i), V, 443, t + 1, 100, 50_000 + (i % 60))];
    }).flat();
    const stream = [...before, ...busy, ...flood];
    const one = { 'detector.partitions': 1 };
    const reference = canonical(await analyse(stream, 2000, one));
    const floods = reference.map((a) => JSON.parse(a) as Alert).filter((a) => a.category === 'syn_flood');
    // One incident, opened by the spoofed flood (its first SYN at t0 + 70 s), not by the busy server.
    expect(new Set(floods.map((a) => a.id)).size).toBe(1);
    expect(floods[0]).toMatchObject({ src: 'multiple', dst: V, dstPort: 443 });
    expect(floods[0].firstSeen).toBeGreaterThanOrEqual(t0 + 70_000);
    for (const [size, live] of [[1, 0], [7, 0], [250, 0], [1, 1], [2, 1], [3, 1], [7, 1], [250, 1]]) {
      const config = live === 0 ? one : { ...one, 'detector.analyzeCacheMaxKeys': live };
      expect(canonical(await analyse(stream, size, config)), `batches of ${size}, ${live || 'default'} live keys`).toEqual(reference);
    }
  }, 60_000);
});
