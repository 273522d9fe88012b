/** Every detector, in the order the engine runs them for a packet. */
import type { Detector } from '../detector.ts';
import { arpSpoof } from './arp-spoof.ts';
import { beacon } from './beacon.ts';
import { bruteForce } from './brute-force.ts';
import { distributedFlood } from './distributed-flood.ts';
import { dnsTunnel } from './dns-tunnel.ts';
import { exfiltration } from './exfiltration.ts';
import { hostSweep } from './host-sweep.ts';
import { icmpFlood } from './icmp-flood.ts';
import { lateralMovement } from './lateral-movement.ts';
import { portScan } from './port-scan.ts';
import { suspiciousPort } from './suspicious-port.ts';
import { synFlood } from './syn-flood.ts';
import { tor } from './tor.ts';

export const DETECTORS: ReadonlyArray<Detector<never>> = [
  portScan,
  synFlood,
  hostSweep,
  icmpFlood,
  distributedFlood,
  suspiciousPort,
  arpSpoof,
  dnsTunnel,
  exfiltration,
  bruteForce,
  beacon,
  tor,
  lateralMovement,
] as unknown as ReadonlyArray<Detector<never>>;
