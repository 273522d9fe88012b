/**
 * Property tests on the real pipeline (replay → Kafka → detector workers → Redis → alerts
 * topic): the alert set does not depend on the number of workers, on the replay speed, and is
 * the one the embedded `analyze` gives. "The alert set" = per alert id its latest revision
 * (category, severity, entities, count, event-time span; pipeline.ts alertSet). Each run has
 * its own topics, consumer group and Redis keys.
 */
import { describe, expect, inject, it } from 'vitest';
import { alertSet, analyzeSet, deliveryStats, dropRedisKeys, isolation, pcap, pipelineConfig, readAlerts, replay, waitGroupCaughtUp } from './pipeline.ts';
import { startWorkers } from './workers.ts';

/** Several incidents of several kinds: a spoofed SYN flood (judged on victim copies), ARP MITM, a connect scan, DCE-RPC lateral movement, DNS tunnelling. */
const ATTACKS = [
  'synflood/syn_flood_spoofed_random_sources_stopddos.pcap',
  'arpspoof/arp_mitm_bidirectional_gateway_and_host.pcapng',
  'portscan/nmap_tcp_connect_scan_evilfingers.pcap',
  'lateral/wmi_processcallcreate_dcerpc.pcapng',
  'dnstunnel/dnscat2_exfil_cname_mx_txt.pcap',
].map(pcap);

/** Short captures (about 7 s of capture time together) for the real-time replay. */
const SHORT = ['portscan/syn_portscan_ports_1_to_10000.pcapng', 'portscan/tcp_syn_ping_sweep_512_hosts.pcap', 'portscan/nmap_xmas_scan_evilfingers.pcap'].map(pcap);

async function pipelineRun(tag: string, files: string[], workers: number, speed: number): Promise<{ set: string[]; delivered: number; duplicated: number; conflicting: string[] }> {
  const config = pipelineConfig(inject('services'), isolation(tag));
  const running = await startWorkers(config, workers);
  try {
    await replay(config, files, speed);
    expect(await waitGroupCaughtUp(config, 90_000), 'the detector group committed every packet').toBe(true);
  } finally {
    await running.stop();
    await dropRedisKeys(config);
  }
  const delivered = await readAlerts(config);
  const stats = deliveryStats(delivered);
  return { set: alertSet(delivered.map((d) => d.alert)), delivered: delivered.length, duplicated: stats.duplicated, conflicting: stats.conflicting };
}

describe('detector pipeline: the same alert set', () => {
  it('with 1 worker and with 3 workers, and the same as analyze', { timeout: 300_000 }, async () => {
    const one = await pipelineRun('w1', ATTACKS, 1, Infinity);
    const three = await pipelineRun('w3', ATTACKS, 3, Infinity);
    const analyzed = alertSet(await analyzeSet(pipelineConfig(inject('services'), isolation('an')), ATTACKS));
    // One incident per attack, five categories: the spoofed flood's sources are in every
    // partition, but their victim copies make it one incident; all ARP is in one partition, so
    // the MITM is one incident that blames the poisoner's MAC.
    expect(one.set.map((l) => l.split(' ')[2]).sort()).toEqual(['arp_spoofing', 'dns_tunnelling', 'lateral_movement', 'port_scan', 'syn_flood']);
    expect(one.set.find((l) => l.includes('arp_spoofing'))).toContain(' 08:00:27:9c:b3:fe:');
    expect(three.set).toEqual(one.set);
    expect(analyzed).toEqual(one.set);
    // Without crashes nothing is delivered twice.
    expect([one.duplicated, three.duplicated, one.conflicting.length, three.conflicting.length]).toEqual([0, 0, 0, 0]);
  });

  it('at real time, x100 and full speed', { timeout: 300_000 }, async () => {
    const runs = [];
    for (const speed of [1, 100, Infinity]) runs.push(await pipelineRun(`s${speed}`, SHORT, 1, speed));
    const analyzed = alertSet(await analyzeSet(pipelineConfig(inject('services'), isolation('an')), SHORT));
    expect(analyzed.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) expect(run.set).toEqual(analyzed);
  });
});
