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

async function analyse(packets: Packet[], batchSize: number): Promise<Alert[]> {
  const analyzer = new PacketAnalyzer(loadConfig({ env: {} }), { batchSize });
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
});
