/**
 * Detector workers: consumer group, state lifetimes and every detector's thresholds. Defaults
 * follow the SAS seed where it had one (docs/detectors.md says which and why where not).
 */
import { z } from 'zod';

const severity = z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const ports = (list: number[], what: string) => z.array(z.number().int().min(0).max(65535)).default(list).describe(what);

const RFC1918_AND_LOCAL = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8', 'fc00::/7', 'fe80::/10', '::1/128'];

const suppressionRule = z
  .object({
    category: z.string().default('*').describe('Category the rule silences, or * for all.'),
    src: z.string().default('*').describe('Source address or CIDR the rule silences, or *.'),
    dst: z.string().default('*').describe('Destination address, CIDR or domain the rule silences, or *.'),
    reason: z.string().min(1).describe('Why this is silenced (shown in logs and docs; required).'),
    expires: z.string().datetime({ offset: true }).describe('ISO 8601 time after which the rule no longer applies (event time).'),
  })
  .strict();

export type SuppressionRule = z.infer<typeof suppressionRule>;

export const detectorSection = z
  .object({
    groupId: z.string().default('netsentinel-detectors').describe('Kafka consumer group of the detector workers.'),
    cooldownSeconds: z.number().positive().default(15).describe('Event-time cooldown before an open incident emits another update.'),
    incidentIdleSeconds: z.number().positive().default(120).describe('An incident with no new evidence for this long (event time) is closed; new evidence opens a new one.'),
    allowedLatenessSeconds: z.number().min(0).max(86_400).default(10).describe('How far (event time) a packet may be older than the newest one of its key and still meet that key\'s state; an older one starts the key over, as a new capture would. Idle state is deleted only this long after it went idle, so alerts do not depend on how the stream was cut into batches even when event time steps back (merged or concatenated captures, sensors with skewed clocks). Larger values tolerate more skew between sensors feeding the same sources, at the price of state kept longer (60 s cost the worker 25 % more CPU than 10 s on the benchmark capture).'),
    stateTtlSeconds: z.number().int().positive().default(86_400).describe('Lifetime of detector state in the store (bounds memory; windows themselves are event time).'),
    rejoinAttempts: z.number().int().min(0).max(100).default(5).describe('When the consumer stops on an error (Redis unreachable, a failing batch), re-join the group this many times in a row with a doubling backoff before the worker exits non-zero for its supervisor to restart it.'),
    rejoinBackoffMs: z.number().int().min(10).max(600_000).default(1000).describe('First re-join backoff (ms); doubles per attempt up to 60 s, reset by a batch that succeeds.'),
    stepMaxPackets: z.number().int().min(100).max(1_000_000).default(16_000).describe('A worker folds a consumed Kafka batch in steps of about this many packets (two Redis round trips each); bounds the decoded packets held in memory.'),
    cacheMaxKeys: z.number().int().min(1).default(50_000).describe('State blobs (one per active source) a worker keeps live in memory between batches, at most (detector.cacheMaxBytes bounds them by size too); the rest are read from Redis again when needed. Bounds worker memory, not correctness.'),
    cacheMaxBytes: z.number().int().min(1).default(20_000_000).describe('Bound on the state a worker keeps live by size: the JSON its live blobs were last read or written as, summed (live state takes about five times that in memory). A key holds anything from one kept packet (~230 bytes) to a busy host\'s nine detectors (~1.7 KB), so a count alone either starves a spoofed flood or overfills the heap with hosts. The least recently used leave first when either bound is passed.'),
    analyzeCacheMaxKeys: z.number().int().min(1).default(50_000).describe('State blobs `analyze` keeps live in memory; beyond that the least recently used are kept as JSON in its in-process store (at most four times as many and at least 100,000, the oldest written dropped first) and revived when their key comes back, so a capture with millions of sources (a spoofed flood) does not grow memory without bound. Bounds memory, not correctness, up to the store\'s bound.'),
    heapLimitMb: z.number().int().min(0).max(65_536).default(384).describe('`netsentinel detector` runs the worker in a thread whose V8 old generation is capped at this many MB (so the process stays near 450 MB with 100,000 tracked hosts, where Node\'s default sizing lets garbage grow past 900 MB); a worker that needs more exits 1 for its supervisor. 0 runs it on the main thread with Node\'s default heap sizing.'),
    heapGrowingPercent: z.number().int().min(0).max(1000).default(100).describe('With detector.heapLimitMb, how far (%) V8 lets the worker thread\'s heap grow past what the last full collection kept before it collects again. V8 sizes that step by the cap (about 40 % at 384 MB, 300 % for Node\'s default heap), which made a capped worker run several times as many full collections: alone on the benchmark capture 103 k packets/s at 0, 155 k at 100 (peak RSS 439 and 485 MB; 406 MB with 100,000 tracked hosts). The cap still bounds the heap. Process-wide (a V8 flag); 0 leaves V8\'s own choice.'),
    partitions: z.number().int().min(1).max(1024).default(6).describe('Partitions `analyze` splits packets into, as the sensor does for Kafka (keep equal to kafka.partitions for identical results).'),
    maxDistinctPerWindow: z.number().int().min(16).default(20_000).describe('Most distinct values (ports, hosts, names) one window keeps per entity.'),
    internalNetworks: z.array(z.string()).default(RFC1918_AND_LOCAL).describe('Networks counted as internal (exfiltration, lateral movement).'),
    allowlist: z
      .object({
        addresses: z.array(z.string()).default([]).describe('Addresses or CIDRs whose traffic never raises an alert (as source or destination).'),
        domains: z.array(z.string()).default([]).describe('Domains (and their subdomains) that never raise DNS alerts.'),
      })
      .default({})
      .describe('Known-good entities.'),
    suppressions: z.array(suppressionRule).default([]).describe('Suppression rules: {category, src, dst, reason, expires}.'),
    portScan: z
      .object({
        enabled: z.boolean().default(true).describe('Run the port-scan detector.'),
        threshold: z.number().int().min(1).default(15).describe('Distinct destination ports probed by one source...'),
        windowSeconds: z.number().positive().default(10).describe('...within this many seconds.'),
        maxCompletedShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('Largest share of the probed TCP ports whose connections the source went on to complete (ACK-bearing packets to them) for the probes to be a scan; above it they are a client\'s connections (FTP passive data, a monitor checking one host\'s services).'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('Port scan (vertical).'),
    hostSweep: z
      .object({
        enabled: z.boolean().default(true).describe('Run the host-sweep detector.'),
        threshold: z.number().int().min(1).default(30).describe('Distinct hosts of one /24 (or /64) probed on one service by one source...'),
        windowSeconds: z.number().positive().default(10).describe('...within this many seconds.'),
        severity: severity.default('MEDIUM').describe('Base severity.'),
      })
      .default({})
      .describe('Host sweep (horizontal scan, ping sweep).'),
    synFlood: z
      .object({
        enabled: z.boolean().default(true).describe('Run the SYN-flood detector.'),
        threshold: z.number().int().min(1).default(200).describe('SYNs (SYN set, ACK clear) to one victim...'),
        windowSeconds: z.number().positive().default(5).describe('...within this many seconds.'),
        maxCompletedRatio: z.number().min(0).max(10).default(0.5).describe('Most ACK-bearing packets per SYN from the source to the victim (a flood leaves connections half-open).'),
        scanRateOverride: z.number().positive().default(5000).describe('SYNs per second above which scan-shaped traffic (many ports) is a flood rather than a port scan.'),
        distributedThreshold: z.number().int().min(1).default(200).describe('SYNs to one victim address:port from many sources in a window (spoofed floods), counted on the victim copies of the packets of every partition.'),
        distributedMinSources: z.number().int().min(2).default(50).describe('Distinct sources needed for the distributed rule.'),
        distributedMaxCompletedShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('Largest share of the distributed rule\'s SYN sources that may also send the victim service ACK-bearing packets (complete their handshakes) for the SYNs to be a flood; above it they are a busy server\'s clients.'),
        severity: severity.default('CRITICAL').describe('Base severity.'),
      })
      .default({})
      .describe('SYN flood.'),
    icmpFlood: z
      .object({
        enabled: z.boolean().default(true).describe('Run the ICMP-flood detector.'),
        threshold: z.number().int().min(1).default(100).describe('ICMP/ICMPv6 echo requests to one victim...'),
        windowSeconds: z.number().positive().default(5).describe('...within this many seconds.'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('ICMP echo flood.'),
    suspiciousPort: z
      .object({
        enabled: z.boolean().default(true).describe('Run the suspicious-port detector.'),
        ports: ports([1080, 1337, 2323, 3333, 4444, 4545, 5555, 6666, 6667, 6668, 6669, 12345, 14444, 31337, 45560, 54321, 65535], 'C2/backdoor/mining destination ports (Tor ports belong to the Tor detector).'),
        udpMinPackets: z.number().int().min(1).default(3).describe('UDP datagrams to the port from one source before it counts (single probes are scans).'),
        severity: severity.default('MEDIUM').describe('Base severity.'),
      })
      .default({})
      .describe('Suspicious (C2/backdoor) ports.'),
    arp: z
      .object({
        enabled: z.boolean().default(true).describe('Run the ARP-spoofing detector.'),
        bindingTtlSeconds: z.number().positive().default(600).describe('An IP→MAC binding not seen for this long expires (DHCP, failover).'),
        maxIpsPerMac: z.number().int().min(2).default(2).describe('Distinct IPs one MAC claiming them as ARP sender (requests, replies, gratuitous) within the binding TTL that make it a spoofer.'),
        gratuitousThreshold: z.number().int().min(1).default(50).describe('Unsolicited ARP replies / gratuitous ARP from one MAC...'),
        gratuitousWindowSeconds: z.number().positive().default(10).describe('...within this many seconds (storm).'),
        severity: severity.default('CRITICAL').describe('Base severity.'),
      })
      .default({})
      .describe('ARP spoofing.'),
    dnsTunnel: z
      .object({
        enabled: z.boolean().default(true).describe('Run the DNS-tunnelling detector.'),
        nameLength: z.number().int().min(1).default(50).describe('Query names at least this long are long (seed threshold).'),
        labelEntropy: z.number().positive().default(4).describe('Shannon entropy (bits/char) of the longest label above which it looks encoded (labels of 16+ chars).'),
        windowSeconds: z.number().positive().default(60).describe('Window of the per-domain counts.'),
        uniqueSubdomains: z.number().int().min(1).default(30).describe('Unique names under one registrable domain in the window...'),
        tunnelTypeRatio: z.number().min(0).max(1).default(0.5).describe('...together with this share of TXT/NULL/CNAME/MX/ANY queries, or'),
        suspiciousQueries: z.number().int().min(1).default(10).describe('...this many long or high-entropy names (per domain, or per client across domains).'),
        severity: severity.default('MEDIUM').describe('Base severity.'),
      })
      .default({})
      .describe('DNS tunnelling.'),
    exfiltration: z
      .object({
        enabled: z.boolean().default(true).describe('Run the exfiltration detector.'),
        thresholdBytes: z.number().int().min(1).default(5_000_000).describe('Bytes from one internal host to one external host...'),
        windowSeconds: z.number().positive().default(60).describe('...within this many seconds.'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('Data exfiltration.'),
    bruteForce: z
      .object({
        enabled: z.boolean().default(true).describe('Run the brute-force detector.'),
        threshold: z.number().int().min(1).default(30).describe('Connection attempts (distinct source ports, retransmits collapse) to one service port...'),
        windowSeconds: z.number().positive().default(30).describe('...within this many seconds.'),
        ports: ports([21, 22, 23, 25, 110, 143, 389, 445, 465, 587, 993, 995, 1433, 1521, 3306, 3389, 5432, 5900, 5985, 5986], 'Authentication service ports (SSH, RDP, FTP, Telnet, SMB, SQL servers, VNC, WinRM, mail, LDAP).'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('Brute force.'),
    beacon: z
      .object({
        enabled: z.boolean().default(true).describe('Run the C2-beaconing detector.'),
        minConnections: z.number().int().min(4).default(20).describe('Connections (source, destination, port) needed before scoring.'),
        minSpanSeconds: z.number().positive().default(120).describe('Those connections must span at least this long.'),
        minIntervalSeconds: z.number().nonnegative().default(1).describe('Median interval below which connections are a burst, not a beacon.'),
        scoreThreshold: z.number().min(0).max(1).default(0.9).describe('RITA-style score (interval skew, dispersion, size regularity) at or above which it fires.'),
        historySize: z.number().int().min(8).max(1024).default(64).describe('Most recent connections kept per (source, destination, port).'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('C2 beaconing.'),
    tor: z
      .object({
        enabled: z.boolean().default(true).describe('Run the Tor detector.'),
        feedFile: z.string().default('').describe('File of Tor relay/exit addresses, one per line (# comments); empty = ports only.'),
        ports: ports([9001, 9030, 9040, 9050, 9051, 9150, 9151], 'Tor ORPort/DirPort/SOCKS/control ports.'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('Tor usage.'),
    lateral: z
      .object({
        enabled: z.boolean().default(true).describe('Run the lateral-movement detector.'),
        windowSeconds: z.number().positive().default(3600).describe('Window of the fan-out score.'),
        knownPairSeconds: z.number().nonnegative().default(604_800).describe('A (host, service) pair a source used within this time is routine and adds nothing to its score (remote execution always counts); 0: every pair counts again once it has left the window.'),
        threshold: z.number().positive().default(1).describe('Score at which it fires: the sum, over the internal hosts a source used in the window, of the heaviest weight each was used for.'),
        weights: z
          .object({
            execution: z.number().nonnegative().default(1).describe('Weight of remote execution on a host: a tree connect to an admin share (ADMIN$, C$) or a DCE-RPC bind to svcctl, the task scheduler, DCOM activation or WMI.'),
            smb: z.number().nonnegative().default(0.34).describe('Weight of an SMB (139/445) session: every Windows client uses its domain controllers and file servers, so three hosts are needed.'),
            rpc: z.number().nonnegative().default(0.34).describe('Weight of an RPC/DCOM (135) session: as routine as SMB for Windows clients, so three hosts are needed.'),
            rdp: z.number().nonnegative().default(1).describe('Weight of an RDP (3389) session.'),
            winrm: z.number().nonnegative().default(1).describe('Weight of a WinRM (5985/5986) session.'),
            ssh: z.number().nonnegative().default(0.2).describe('Weight of an SSH (22) session: routine for admins, so five new hosts are needed.'),
          })
          .default({})
          .describe('Weights per admin protocol.'),
        severity: severity.default('HIGH').describe('Base severity.'),
      })
      .default({})
      .describe('Lateral movement.'),
  })
  .default({});

export type DetectorConfig = z.infer<typeof detectorSection>;
