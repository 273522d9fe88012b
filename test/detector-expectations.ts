/**
 * What NetSentinel reports on each labelled capture of ../shared/pcaps, where it differs from
 * the manifest's per-detector labels (which follow the seed's per-source rules), and why.
 * test/unit/detector/labelled-captures.test.ts checks: every capture listed here yields exactly
 * the incident categories in `expect` with the attacker among the alert's src/dst, and every
 * other capture yields what the manifest's `fire` outcomes say, renamed to our categories.
 * Benign captures yield nothing.
 */
export interface Expectation {
  /**
   * Categories of the incidents we report (latest revision per id), each with its attacker, and
   * the ATT&CK technique an incident of that attacker names in its evidence, where it names one.
   */
  expect: Array<{ category: string; attacker: string; technique?: string }>;
  why: string;
}

/** Manifest detector names -> our categories. */
export const CATEGORY_OF: Record<string, string> = {
  port_scan: 'port_scan',
  syn_flood: 'syn_flood',
  icmp_flood: 'icmp_flood',
  suspicious_port: 'suspicious_port',
  arp_spoof: 'arp_spoofing',
  dns_tunnel: 'dns_tunnelling',
  data_exfil: 'data_exfiltration',
  brute_force: 'brute_force',
  c2_beacon: 'c2_beaconing',
  tor: 'tor_usage',
  lateral_movement: 'lateral_movement',
};

export const EXPECTATIONS: Record<string, Expectation> = {
  'arpspoof/arp_poison_one_mac_claims_two_ips.pcapng': {
    expect: [{ category: 'arp_spoofing', attacker: '00:25:b3:bf:91:ee' }],
    why: 'Manifest: conditional (no IP changes MAC). The poisoner claims 172.16.0.1 and 172.16.0.105: one MAC claiming two addresses fires. The sensor sends all ARP to one partition, so both claims meet (until session 10, keyed by sender IP, they fell in different partitions and it was missed).',
  },
  'arpspoof/arpspoof_replies_only_two_hosts.pcap': {
    expect: [{ category: 'arp_spoofing', attacker: '00:e0:4d:3c:25:7b' }],
    why: 'Manifest: conditional. We learn bindings from reply target fields and flag one MAC claiming two IPs.',
  },
  'benign/loopback_echo_load_test_82k.pcap': {
    expect: [],
    why: 'Manifest: syn_flood "expected false positive" under the per-source rule. Our flood needs half-open connections; every handshake here completes, so no flood.',
  },
  'benign/ssh_admin_sessions_internal.pcap': {
    expect: [],
    why: 'Manifest: lateral_movement by definition. Ours weighs SSH at 0.2 per new host (admins use it daily): 4 hosts stay under the threshold. Benign means no alert.',
  },
  'bruteforce/ssh_password_guessing_slow_zeek.pcap': {
    expect: [],
    why: 'Manifest: lateral_movement by definition (internal SSH). One SSH destination is routine for us (weight 0.2); the brute force is below threshold (expected miss in the manifest too).',
  },
  'bruteforce/telnet_scanning_mirai_like_ctu.pcap': {
    expect: [{ category: 'brute_force', attacker: '192.168.2.16' }],
    why: 'Manifest: brute_force and lateral_movement (an internal SSH session 192.168.2.1 -> .16). A single SSH session is not lateral movement for us.',
  },
  'c2/meterpreter_reverse_4444_forensicscontest.pcap': {
    expect: [{ category: 'suspicious_port', attacker: '10.10.10.10' }],
    why: 'Same as the manifest; the alert src is the victim that connects out, dst the attacker (C2 at :4444).',
  },
  'dnstunnel/dns_txt_c2_commands_low_volume.pcap': {
    expect: [],
    why: 'Manifest: conditional, expected miss under defaults (19 unique names, 45 % TXT, short names).',
  },
  'icmpflood/icmp_echo_sweep_512_hosts_2s.pcap': {
    expect: [{ category: 'host_sweep', attacker: '10.0.0.128' }],
    why: 'Manifest: icmp_flood (per-source counter). It is a ping sweep over 256 hosts (2 echoes each): one category that names it, host_sweep.',
  },
  'icmpflood/icmpv6_rsmurf6_echo_flood_1000.pcap': {
    expect: [{ category: 'icmp_flood', attacker: 'ff02::1' }],
    why: 'Manifest: conditional. We count ICMPv6 echo requests (type 128): 1000 at one target from one (spoofed multicast) source is a flood.',
  },
  'lateral/psexec_add_user_smb2.pcap': {
    expect: [{ category: 'lateral_movement', attacker: '192.168.10.31', technique: 'T1021.002' }],
    why: 'Manifest: fire (SMB sessions). Two SMB/RPC hosts would stay under our fan-out threshold (three); the tree connect to ADMIN$ is remote execution, an incident at once.',
  },
  'lateral/psexec_smb_svcctl_midstream.pcapng': {
    expect: [{ category: 'lateral_movement', attacker: '172.16.66.1', technique: 'T1021.002' }],
    why: 'Manifest: conditional (no SYNs). Our rule reads sessions (client data): the ADMIN$ tree connect and the svcctl bind in the capture are remote execution, so it fires mid-stream.',
  },
  'lateral/wmi_processcallcreate_dcerpc.pcapng': {
    expect: [{ category: 'lateral_movement', attacker: '172.16.66.1', technique: 'T1021.003' }],
    why: 'Manifest: conditional on 135/DCOM being an admin port. RPC is in our set but routine for Windows clients (three hosts needed); the DCOM activation bind (ISystemActivator) on 135 is remote execution.',
  },
  'portscan/nmap_syn_scan_scanme_1000ports.pcapng': {
    expect: [{ category: 'port_scan', attacker: '172.16.0.8' }],
    why: 'Manifest: port_scan and syn_flood. A fast port scan is a port scan, not also a SYN flood (one category per incident).',
  },
  'portscan/nmap_tcp_connect_scan_evilfingers.pcap': {
    expect: [{ category: 'port_scan', attacker: '192.168.1.10' }],
    why: 'As above; nmap hammering one port mid-scan stays part of the scan.',
  },
  'portscan/nmap_tcp_syn_scan_evilfingers.pcap': {
    expect: [{ category: 'port_scan', attacker: '192.168.1.10' }],
    why: 'As above.',
  },
  'portscan/syn_portscan_ports_1_to_10000.pcapng': {
    expect: [{ category: 'port_scan', attacker: '192.168.1.7' }],
    why: 'As above (peak 2,400 SYN/s stays under scanRateOverride 5,000/s).',
  },
  'portscan/nmap_udp_scan_evilfingers.pcap': {
    expect: [{ category: 'port_scan', attacker: '192.168.1.10' }],
    why: 'Manifest: conditional. UDP destination ports count (probes, not replies).',
  },
  'portscan/nmap_xmas_scan_evilfingers.pcap': {
    expect: [{ category: 'port_scan', attacker: '192.168.1.10' }],
    why: 'Manifest: conditional. Any TCP probe without ACK counts, not only SYNs.',
  },
  'portscan/tcp_syn_ping_sweep_512_hosts.pcap': {
    expect: [{ category: 'host_sweep', attacker: '10.0.0.128' }],
    why: 'Manifest: syn_flood (per-source counter). 2 SYNs to each of 256 hosts is a sweep; floods are per victim.',
  },
  'synflood/syn_flood_cicddos2019_single_source_random_ports.pcap': {
    expect: [{ category: 'syn_flood', attacker: '172.16.0.5' }],
    why: 'Manifest: port_scan and syn_flood. One incident: it opens as a scan (random ports) and is refined to syn_flood when the rate passes scanRateOverride (27,000 SYN/s).',
  },
  'synflood/syn_flood_spoofed_random_sources_stopddos.pcap': {
    expect: [{ category: 'syn_flood', attacker: '10.10.10.10' }],
    why: 'Manifest: no_fire (a per-source rule is blind to it). Our victim-keyed rule fires (src "multiple", dst the victim); one incident, judged on the victim copies of the SYNs of all its sources, in the partition of the victim.',
  },
  'tor/tor_client_tls_ndpi.pcap': {
    expect: [{ category: 'tor_usage', attacker: '192.168.1.252' }],
    why: 'Manifest: conditional (relay list). test/fixtures/tor-relays.txt lists the relays of this capture; the user (src) is the entity.',
  },
  'tor/tor_orport_9001_suricata.pcap': {
    expect: [{ category: 'tor_usage', attacker: '192.168.1.2' }],
    why: 'Manifest: suspicious_port and tor. Tor ports belong to the Tor detector, one category per incident.',
  },
};
