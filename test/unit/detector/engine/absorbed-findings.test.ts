/**
 * ctx.absorbed() lets a detector skip building a finding that its incident would only count
 * during the cooldown. With a suppression rule configured the engine builds and checks every
 * finding instead; a rule that matches nothing must then give exactly the alerts of the
 * absorbing path (counts and last-seen times included), on real floods, scans and brute force.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../services/common/config/load.ts';
import { analyzeFiles } from '../../../../services/detector/analyze-runner.ts';

const PCAPS = process.env.NETSENTINEL_PCAPS ?? join(import.meta.dirname, '../../../../../shared/pcaps');
const CAPTURES = [
  'synflood/syn_flood_single_source_lan_port80.pcap',
  'synflood/syn_flood_cicddos2019_single_source_random_ports.pcap',
  'synflood/syn_flood_spoofed_random_sources_stopddos.pcap',
  'icmpflood/icmp_echo_flood_single_target_scapy_rawip.pcap',
  'bruteforce/ftp_bruteforce_fast_ppa.pcap',
  'portscan/syn_portscan_ports_1_to_10000.pcapng',
].map((f) => join(PCAPS, f));

describe('absorbed findings', () => {
  it('give the alerts that building and recording every finding gives', async () => {
    const absorbing = loadConfig({ env: {} });
    const building = loadConfig({
      env: {},
      overrides: { 'detector.suppressions': [{ category: '*', src: '192.0.2.254', dst: '*', reason: 'matches nothing in these captures', expires: '2999-01-01T00:00:00Z' }] },
    });
    let absorbedInAlerts = 0;
    for (const file of CAPTURES) {
      const fast = await analyzeFiles(absorbing, [file]);
      const full = await analyzeFiles(building, [file]);
      expect(fast.alerts.length, file).toBeGreaterThan(0);
      expect(fast.alerts, file).toEqual(full.alerts);
      // Findings an incident counted beyond the revisions it emitted were absorbed (those after
      // its last revision never show in an alert).
      for (const a of fast.incidents) absorbedInAlerts += a.count - (a.revision + 1);
    }
    expect(absorbedInAlerts).toBeGreaterThan(1000);
  });
});
