/** MITRE ATT&CK mapping of each category (SPEC part C; docs/detectors.md). */
import type { Category, Mitre } from '../common/model.ts';

export const MITRE: Record<Category, Mitre> = {
  port_scan: { tactic: 'Discovery', tacticId: 'TA0007', technique: 'Network Service Discovery', techniqueId: 'T1046' },
  host_sweep: { tactic: 'Discovery', tacticId: 'TA0007', technique: 'Remote System Discovery', techniqueId: 'T1018' },
  syn_flood: { tactic: 'Impact', tacticId: 'TA0040', technique: 'Network Denial of Service: Direct Network Flood', techniqueId: 'T1498.001' },
  icmp_flood: { tactic: 'Impact', tacticId: 'TA0040', technique: 'Network Denial of Service: Direct Network Flood', techniqueId: 'T1498.001' },
  suspicious_port: { tactic: 'Command and Control', tacticId: 'TA0011', technique: 'Non-Standard Port', techniqueId: 'T1571' },
  arp_spoofing: { tactic: 'Credential Access', tacticId: 'TA0006', technique: 'Adversary-in-the-Middle: ARP Cache Poisoning', techniqueId: 'T1557.002' },
  dns_tunnelling: { tactic: 'Command and Control', tacticId: 'TA0011', technique: 'Application Layer Protocol: DNS', techniqueId: 'T1071.004' },
  data_exfiltration: { tactic: 'Exfiltration', tacticId: 'TA0010', technique: 'Exfiltration Over Alternative Protocol', techniqueId: 'T1048' },
  brute_force: { tactic: 'Credential Access', tacticId: 'TA0006', technique: 'Brute Force', techniqueId: 'T1110' },
  c2_beaconing: { tactic: 'Command and Control', tacticId: 'TA0011', technique: 'Application Layer Protocol', techniqueId: 'T1071' },
  tor_usage: { tactic: 'Command and Control', tacticId: 'TA0011', technique: 'Proxy: Multi-hop Proxy', techniqueId: 'T1090.003' },
  lateral_movement: { tactic: 'Lateral Movement', tacticId: 'TA0008', technique: 'Remote Services', techniqueId: 'T1021' },
  other: { tactic: '', tacticId: '', technique: '', techniqueId: '' },
};
